import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { decodeCrlSet, encodeCrlSet, parseSpkiHash, spkiSha256, readCertificateFile, type CrlSetOptions } from '../../lab/ca/index.ts';
import { readFileForUser } from '../../lab/ca/pem.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A hash argument is hex, base64, or a certificate file whose SPKI is hashed. */
function hashArgument(value: string): string {
  if (/^[0-9a-fA-F]{64}$/.test(value) || /^[A-Za-z0-9+/]{43}=$/.test(value)) return parseSpkiHash(value).base64;
  if (existsSync(value)) return spkiSha256(new Uint8Array(readCertificateFile(value).rawData)).base64;
  throw new UserError(`"${value}" is neither a SPKI SHA-256 (64 hex digits or 44 base64 characters) nor a readable certificate file`);
}

export function registerCrlsetCommands(program: Command): void {
  const crlset = program.command('crlset').description('Chromium CRLSet files (build and dump)');

  crlset
    .command('build')
    .description('write a CRLSet; a hash may be hex, base64, or a certificate file')
    .option('--blocked-spki <hash>', 'BlockedSPKIs entry (repeatable)', collect)
    .option('--blocked-interception-spki <hash>', 'BlockedInterceptionSPKIs entry (repeatable)', collect)
    .option('--known-interception-spki <hash>', 'KnownInterceptionSPKIs entry (repeatable)', collect)
    .option('--sequence <n>', 'Sequence number', '1')
    .option('--not-after <unix-seconds>', 'NotAfter (expiry)')
    .requiredOption('--out <file>', 'output file (Chromium reads it as <udd>/CertificateRevocation/<ver>/crl-set)')
    .action(async (opts: { blockedSpki?: string[]; blockedInterceptionSpki?: string[]; knownInterceptionSpki?: string[]; sequence: string; notAfter?: string; out: string }) => {
      if (!/^\d+$/.test(opts.sequence)) throw new UserError(`--sequence must be a whole number, got "${opts.sequence}"`);
      const options: CrlSetOptions = {
        sequence: Number(opts.sequence),
        blockedSpkis: (opts.blockedSpki ?? []).map(hashArgument),
        blockedInterceptionSpkis: (opts.blockedInterceptionSpki ?? []).map(hashArgument),
        knownInterceptionSpkis: (opts.knownInterceptionSpki ?? []).map(hashArgument),
      };
      if (opts.notAfter !== undefined) {
        if (!/^\d+$/.test(opts.notAfter)) throw new UserError(`--not-after must be Unix seconds, got "${opts.notAfter}"`);
        options.notAfter = Number(opts.notAfter);
      }
      const bytes = encodeCrlSet(options);
      await writeFile(opts.out, bytes);
      process.stdout.write(`wrote ${opts.out} (${bytes.length} bytes, sequence ${options.sequence})\n`);
    });

  crlset
    .command('dump')
    .description('print a CRLSet as JSON (hashes in base64 and hex)')
    .argument('<file>', 'CRLSet file')
    .action((file: string) => {
      const decoded = decodeCrlSet(readFileForUser(file), file);
      const both = (list: string[]) => list.map((b64) => ({ base64: b64, hex: Buffer.from(b64, 'base64').toString('hex') }));
      const view = {
        sequence: decoded.sequence,
        notAfter: decoded.notAfter ?? null,
        blockedSpkis: both(decoded.blockedSpkis),
        blockedInterceptionSpkis: both(decoded.blockedInterceptionSpkis),
        knownInterceptionSpkis: both(decoded.knownInterceptionSpkis),
        limitedSubjects: decoded.limitedSubjects,
        parents: decoded.parents,
        header: decoded.header,
      };
      process.stdout.write(JSON.stringify(view, null, 2) + '\n');
    });
}
