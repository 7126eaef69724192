import { execFileSync } from 'node:child_process';
import { createPythonShim, pythonPinsLeafOnly } from '../../lab/clients/python.ts';
import { describeShim } from './contract.ts';

const pythonVersion = execFileSync('python3', ['-I', '-c', 'import sys;print(sys.version.split()[0])'], { encoding: 'utf8' }).trim();

describeShim('python', {
  makeShim: () => createPythonShim(),
  makeMissingShim: () => createPythonShim({ binary: '/nonexistent/python3' }),
  untrustedError: 'SSLCertVerificationError:20',
  pinMismatchError: 'CertificatePinningError',
  pinsLeafOnly: pythonPinsLeafOnly(pythonVersion),
  routes: ['direct', 'connect'],
});
