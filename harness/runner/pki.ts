/**
 * The certificates one scenario needs: the lab's stand-in web PKI and the origins it signs, the
 * rogue authority and its forger, and the anchor files clients are told to trust. Built fresh
 * per run, written only under the run's temp dir.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAuthority, createForger, issueServerCertificate, loadAuthority, spkiSha256, type KeyType } from '../../lab/ca/index.ts';
import type { AuthorityMaterial, Forger } from '../../lab/ca/types.ts';
import type { OriginSpec } from '../../lab/runtime/types.ts';
import type { AuthorityRef, AuthoritySpec, CertificateKind, Scenario } from '../scenario/schema.ts';

export interface AuthorityFiles {
  material: AuthorityMaterial;
  /** PEM file of the root, for clients' trust stores */
  rootFile: string;
  /** base64 SHA-256 of the root's SPKI */
  rootSpki: string;
}

export interface ScenarioPki {
  authorities: Record<AuthorityRef, AuthorityFiles>;
  origins: OriginSpec[];
  /** base64 SPKI hashes of the real origin leaves: what an app pinning lab-public pins */
  originLeafSpkis: string[];
  forger?: Forger;
}

async function authorityFiles(material: AuthorityMaterial, dir: string, label: string): Promise<AuthorityFiles> {
  const rootFile = join(dir, `${label}-root.pem`);
  await writeFile(rootFile, material.root.certPem);
  return { material, rootFile, rootSpki: spkiSha256(material.root.certPem).base64 };
}

/** A broken origin certificate is made the way real broken servers are: wrong dates, wrong name, or no CA. */
function issueFor(publicCa: AuthorityMaterial, site: string, kind: CertificateKind) {
  switch (kind) {
    case 'valid':
      return issueServerCertificate(publicCa, { names: [site] });
    case 'expired':
    case 'not-yet-valid':
      return issueServerCertificate(publicCa, { names: [site], validity: kind });
    case 'wrong-host':
      return issueServerCertificate(publicCa, { names: [`not-${site}`] });
    case 'self-signed':
      return issueServerCertificate(publicCa, { names: [site], selfSigned: true });
  }
}

// Authorities are immutable once made; scenarios of one run share them (an RSA root costs seconds).
// Minted ones live only in this process's memory and under the run's temp dir; a scenario's own
// directory is read, never written.
const authorities = new Map<string, Promise<AuthorityMaterial>>();

/** rsa-2048 in a scenario is the lab's rsa2048 */
const keyType = (key: string): KeyType => key.replace(/^rsa-/, 'rsa') as KeyType;

function makeAuthority(spec: AuthoritySpec): Promise<AuthorityMaterial> {
  if (spec.dir !== undefined) return loadAuthority(spec.dir);
  const generic = { ...(spec.subject !== undefined && { subject: spec.subject }), ...(spec.key !== undefined && { keyType: keyType(spec.key) }) };
  return createAuthority(spec.preset!, { generic });
}

function authorityFor(spec: AuthoritySpec): Promise<AuthorityMaterial> {
  const key = JSON.stringify([spec.preset, spec.subject, spec.key, spec.dir]);
  let pending = authorities.get(key);
  if (!pending) {
    pending = makeAuthority(spec);
    authorities.set(key, pending);
    pending.catch(() => authorities.delete(key));
  }
  return pending;
}

export async function buildScenarioPki(scenario: Scenario, dir: string): Promise<ScenarioPki> {
  const [publicCa, rogue] = await Promise.all([authorityFor({ preset: 'lab-public' }), authorityFor(scenario.authority)]);
  const origins = await Promise.all(
    scenario.sites.map(async (site): Promise<OriginSpec> => {
      const issued = await issueFor(publicCa, site.name, site.certificate);
      return { name: site.name, chainPem: issued.chainPem, keyPem: issued.keyPem };
    }),
  );
  return {
    authorities: {
      'lab-public': await authorityFiles(publicCa, dir, 'lab-public'),
      rogue: await authorityFiles(rogue, dir, 'rogue'),
    },
    origins,
    originLeafSpkis: origins.map((o) => spkiSha256(o.chainPem).base64),
    ...(scenario.interception && { forger: await createForger(rogue, scenario.interception.forging) }),
  };
}
