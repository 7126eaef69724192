import { createNodeShim } from '../../lab/clients/node.ts';
import { describeShim } from './contract.ts';

describeShim('node', {
  makeShim: () => createNodeShim(),
  untrustedError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  pinMismatchError: 'ERR_TLS_CERT_PIN_MISMATCH',
  routes: ['direct', 'connect'],
});
