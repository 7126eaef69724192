import { createCurlShim } from '../../lab/clients/curl.ts';
import { describeShim } from './contract.ts';

describeShim('curl', {
  makeShim: () => createCurlShim(),
  makeMissingShim: () => createCurlShim({ binary: '/nonexistent/curl' }),
  untrustedError: 'exit-60',
  pinMismatchError: 'exit-90',
  pinsLeafOnly: true,
  routes: ['direct', 'connect'],
});
