import { createWgetShim } from '../../lab/clients/wget.ts';
import { describeShim } from './contract.ts';

describeShim('wget', {
  makeShim: () => createWgetShim(),
  makeMissingShim: () => createWgetShim({ binary: '/nonexistent/wget' }),
  untrustedError: 'exit-5',
  routes: ['connect'],
});
