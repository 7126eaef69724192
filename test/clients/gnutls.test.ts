import { createGnutlsShim } from '../../lab/clients/gnutls.ts';
import { describeShim } from './contract.ts';

describeShim('gnutls', {
  makeShim: () => createGnutlsShim(),
  makeMissingShim: () => createGnutlsShim({ binary: '/nonexistent/gnutls-cli' }),
  untrustedError: 'GNUTLS_CERT_SIGNER_NOT_FOUND',
  routes: ['direct'],
  chainFromClientOnRefusal: true,
});
