import { createOpensslShim } from '../../lab/clients/openssl.ts';
import { describeShim } from './contract.ts';

describeShim('openssl', {
  makeShim: () => createOpensslShim(),
  makeMissingShim: () => createOpensslShim({ binary: '/nonexistent/openssl' }),
  untrustedError: 'X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  routes: ['direct', 'connect'],
  chainFromClientOnRefusal: true,
});
