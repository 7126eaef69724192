import { createJavaShim } from '../../lab/clients/java.ts';
import { describeShim } from './contract.ts';

describeShim('java', {
  makeShim: () => createJavaShim(),
  makeMissingShim: () => createJavaShim({ java: '/nonexistent/java' }),
  untrustedError: 'SSLHandshakeException:SunCertPathBuilderException',
  pinMismatchError: 'SSLPeerUnverifiedException',
  routes: ['connect'],
  chainFromClientOnRefusal: true,
  timeoutMs: 20_000,
});
