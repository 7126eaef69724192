import { createUndiciShim } from '../../lab/clients/undici.ts';
import { describeShim } from './contract.ts';

describeShim('undici', {
  makeShim: () => createUndiciShim(),
  untrustedError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  pinMismatchError: 'ERR_TLS_CERT_PIN_MISMATCH',
  routes: ['direct', 'connect'],
});
