/**
 * The one place that loads @peculiar/x509. Its dependency-injection container needs the
 * reflect-metadata polyfill before the library is evaluated, and it must sign with Node's
 * native WebCrypto; every other lab/ca module imports x509 from here so that order is fixed.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
