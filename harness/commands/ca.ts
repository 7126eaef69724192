import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { UserError } from '../errors.ts';
import {
  createAuthority,
  saveAuthority,
  loadAuthority,
  forgeLeaf,
  getProfile,
  issueServerCertificate,
  spkiSha256,
  readCertificateFile,
  certificateDer,
  certificatePem,
  toPkcs12,
  writePhoneBundle,
  oneCrlRecord,
  KEY_TYPES,
  PRESETS,
  PROFILE_NAMES,
  type KeyType,
} from '../../lab/ca/index.ts';
import { assertPresetName } from '../../lab/ca/presets.ts';
import { parseKeyType } from '../../lab/ca/keys.ts';
import { readFileForUser } from '../../lab/ca/pem.ts';
import { removeAuthorityFiles, writePrivate } from '../../lab/ca/store.ts';
import { prepareOutDir } from '../runner/out-dir.ts';
import { x509 } from '../../lab/ca/x509.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function wholeNumber(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new UserError(`${flag} must be a whole number, got "${value}"`);
    return Number(value);
  };
}

function printSpki(label: string, pem: string): void {
  const hash = spkiSha256(pem);
  process.stdout.write(`${label} SPKI SHA-256: ${hash.hex}\n${label} SPKI SHA-256 (base64): ${hash.base64}\n`);
}

export function registerCaCommands(program: Command): void {
  const ca = program.command('ca').description('rogue and lab certificate authorities, forged leaves, SPKI hashes, exports');

  ca.command('create')
    .description('mint an authority from a preset (fresh keys every time)')
    .requiredOption('--preset <name>', `one of: ${PRESETS.join(', ')}`)
    .requiredOption('--out <dir>', 'directory for ca.pem, ca.key (0600), chain.pem, issuing.key (0600); must be empty or new')
    .option('--force', 'write into a directory that is not empty (an authority already there is replaced)', false)
    .option('--subject <dn>', 'generic: subject DN, e.g. "CN=Corp CA, O=Corp, C=US"')
    .addOption(new Option('--key-type <type>', 'generic: key type').choices([...KEY_TYPES]))
    .option('--validity-days <n>', 'generic: validity in days (default 30)', wholeNumber('--validity-days'))
    .option('--permit-dns <name>', 'generic: nameConstraints permitted DNS subtree (repeatable)', collect)
    .option('--exclude-dns <name>', 'generic: nameConstraints excluded DNS subtree (repeatable)', collect)
    .option('--path-len <n>', 'generic: basicConstraints pathLenConstraint', wholeNumber('--path-len'))
    .action(async (opts: { preset: string; out: string; force: boolean; subject?: string; keyType?: string; validityDays?: number; permitDns?: string[]; excludeDns?: string[]; pathLen?: number }) => {
      const preset = assertPresetName(opts.preset);
      const genericFlags = [opts.subject, opts.keyType, opts.validityDays, opts.permitDns, opts.excludeDns, opts.pathLen];
      if (preset !== 'generic' && genericFlags.some((v) => v !== undefined)) {
        throw new UserError('--subject, --key-type, --validity-days, --permit-dns, --exclude-dns and --path-len apply to --preset generic only');
      }
      const generic: { subject?: string; keyType?: KeyType; validityDays?: number; permittedDns?: string[]; excludedDns?: string[]; pathLen?: number } = {};
      if (opts.subject !== undefined) generic.subject = opts.subject;
      if (opts.keyType !== undefined) generic.keyType = parseKeyType(opts.keyType);
      if (opts.validityDays !== undefined) generic.validityDays = opts.validityDays;
      if (opts.permitDns) generic.permittedDns = opts.permitDns;
      if (opts.excludeDns) generic.excludedDns = opts.excludeDns;
      if (opts.pathLen !== undefined) generic.pathLen = opts.pathLen;
      // a key overwritten by mistake cannot be brought back: refuse before minting anything
      prepareOutDir(opts.out, { flag: '--out', mustBeEmpty: { force: opts.force, forceFlag: '--force' } });
      const authority = await createAuthority(preset, { generic });
      // no file of a replaced authority may survive to be mixed with the new one (a stale chain.pem)
      if (opts.force) await removeAuthorityFiles(opts.out);
      await saveAuthority(authority, opts.out);
      process.stdout.write(`wrote ${preset} authority to ${opts.out}\n`);
      printSpki('root', authority.root.certPem);
    });

  ca.command('forge')
    .description('forge one leaf the way an interceptor profile would')
    .requiredOption('--ca <dir>', 'authority directory (from `ca create`)')
    .requiredOption('--profile <name>', `one of: ${PROFILE_NAMES.join(', ')}`)
    .option('--from <upstream.pem>', 'the real server certificate the interceptor fetched')
    .option('--sni <host>', 'the SNI the client sent (default with --from: the first DNS name of the upstream certificate)')
    .requiredOption('--out <dir>', 'directory for leaf.pem, leaf.key (0600), chain.pem')
    .option('--kz-key-bits <bits>', 'kz-2019: 1024 (before 2019-07-19) or 2048', wholeNumber('--kz-key-bits'))
    .option('--kz-shift-hours <hours>', 'kz-2019: validity shift (6, or 24 from 2019-07-30)', wholeNumber('--kz-shift-hours'))
    .action(async (opts: { ca: string; profile: string; from?: string; sni?: string; out: string; kzKeyBits?: number; kzShiftHours?: number }) => {
      getProfile(opts.profile);
      if (!opts.from && !opts.sni) throw new UserError('give --from UPSTREAM.pem or --sni HOST (or both)');
      if (opts.kzKeyBits !== undefined && opts.kzKeyBits !== 1024 && opts.kzKeyBits !== 2048) {
        throw new UserError(`--kz-key-bits must be 1024 or 2048, got ${opts.kzKeyBits}`);
      }
      const upstream = opts.from ? readCertificateFile(opts.from) : undefined;
      const sni = opts.sni ?? firstName(upstream!);
      const authority = await loadAuthority(opts.ca);
      const kz2019: { modulusLength?: 1024 | 2048; shiftHours?: number } = {};
      if (opts.kzKeyBits !== undefined) kz2019.modulusLength = opts.kzKeyBits as 1024 | 2048;
      if (opts.kzShiftHours !== undefined) kz2019.shiftHours = opts.kzShiftHours;
      const leaf = await forgeLeaf(authority, opts.profile, upstream ? { sni, upstreamDer: Buffer.from(upstream.rawData) } : { sni }, { kz2019 });
      await mkdir(opts.out, { recursive: true });
      await writeFile(join(opts.out, 'leaf.pem'), leaf.leafPem);
      await writePrivate(join(opts.out, 'leaf.key'), leaf.keyPem);
      await writeFile(join(opts.out, 'chain.pem'), leaf.chainPem);
      process.stdout.write(`forged ${opts.profile} leaf for ${sni}: ${leaf.certificate.subject}\n`);
      printSpki('leaf', leaf.leafPem);
    });

  ca.command('issue')
    .description('issue an origin (real server) certificate from a lab-public authority')
    .requiredOption('--ca <dir>', 'authority directory (normally preset lab-public)')
    .requiredOption('--name <host>', 'DNS name or IP (repeatable; the first is the CN)', collect)
    .addOption(new Option('--key-type <type>', 'leaf key').choices(['ecdsa-p256', 'rsa2048']).default('ecdsa-p256'))
    .addOption(new Option('--validity <state>', 'dates').choices(['valid', 'expired', 'not-yet-valid']).default('valid'))
    .option('--self-signed', 'sign with its own key (a "bad origin")')
    .requiredOption('--out <dir>', 'directory for cert.pem, cert.key (0600), chain.pem')
    .action(async (opts: { ca: string; name: string[]; keyType: 'ecdsa-p256' | 'rsa2048'; validity: 'valid' | 'expired' | 'not-yet-valid'; selfSigned?: boolean; out: string }) => {
      const authority = await loadAuthority(opts.ca);
      const origin = await issueServerCertificate(authority, { names: opts.name, keyType: opts.keyType, validity: opts.validity, selfSigned: Boolean(opts.selfSigned) });
      await mkdir(opts.out, { recursive: true });
      await writeFile(join(opts.out, 'cert.pem'), origin.certPem);
      await writePrivate(join(opts.out, 'cert.key'), origin.keyPem);
      await writeFile(join(opts.out, 'chain.pem'), origin.chainPem);
      process.stdout.write(`issued origin certificate for ${opts.name.join(', ')} in ${opts.out}\n`);
    });

  ca.command('spki')
    .description('print the SHA-256 of a certificate\'s SubjectPublicKeyInfo (hex and base64)')
    .argument('<file>', 'certificate, PEM or DER')
    .action((file: string) => {
      const cert = readCertificateFile(file);
      const hash = spkiSha256(new Uint8Array(cert.rawData));
      process.stdout.write(`${hash.hex}\n${hash.base64}\n`);
    });

  ca.command('export')
    .description('export a certificate as DER, PEM, PKCS#12, or a 2019-style phone install bundle')
    .requiredOption('--cert <file>', 'certificate (PEM or DER)')
    .addOption(new Option('--format <format>', 'output format').choices(['der', 'pem', 'p12', 'phone']).makeOptionMandatory())
    .requiredOption('--out <path>', 'output file (a directory for --format phone)')
    .option('--key <file>', 'p12: private key (PEM)')
    .option('--chain <file>', 'p12: extra certificates (PEM)')
    .option('--password <pw>', 'p12: password', '')
    .option('--name <base>', 'phone: file base name', 'qazca')
    .action(async (opts: { cert: string; format: string; out: string; key?: string; chain?: string; password: string; name: string }) => {
      const certBytes = readFileForUser(opts.cert);
      readCertificateFile(opts.cert);
      switch (opts.format) {
        case 'der':
          await writeFile(opts.out, certificateDer(certBytes));
          break;
        case 'pem':
          await writeFile(opts.out, certificatePem(certBytes));
          break;
        case 'p12': {
          if (!opts.key) throw new UserError('--format p12 needs --key');
          const keyPem = readFileForUser(opts.key).toString('utf8');
          const p12Options: { password: string; chainPem?: string } = { password: opts.password };
          if (opts.chain) p12Options.chainPem = readFileForUser(opts.chain).toString('utf8');
          await writePrivate(opts.out, await toPkcs12({ certPem: certificatePem(certBytes), keyPem }, p12Options));
          break;
        }
        case 'phone':
          for (const file of await writePhoneBundle(certificatePem(certBytes), opts.out, opts.name)) process.stdout.write(`${file}\n`);
          return;
      }
      process.stdout.write(`${opts.out}\n`);
    });

  ca.command('onecrl')
    .description('print a Firefox OneCRL record (JSON) that revokes a certificate')
    .argument('<file>', 'certificate, PEM or DER')
    .addOption(new Option('--form <form>', 'match by issuer+serial or subject+key hash').choices(['issuer-serial', 'subject-key']).default('issuer-serial'))
    .action((file: string, opts: { form: 'issuer-serial' | 'subject-key' }) => {
      const cert = readCertificateFile(file);
      process.stdout.write(JSON.stringify(oneCrlRecord(new Uint8Array(cert.rawData), { form: opts.form }), null, 2) + '\n');
    });
}

function firstName(cert: x509.X509Certificate): string {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const name = san?.names.items.find((n) => n.type === 'dns')?.value ?? cert.subjectName.getField('CN')[0];
  if (!name) throw new UserError('the upstream certificate has no DNS name or CN; give --sni');
  return name;
}
