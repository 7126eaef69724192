/**
 * The certificates one scenario needs: the lab's stand-in web PKI and the origins it signs, the
 * rogue authority and its forger, and the anchor files clients are told to trust. Built fresh
 * per run, written only under the run's temp dir.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAuthority, createForger, issueServerCertificate, spkiSha256 } from '../../lab/ca/index.ts';
import type { AuthorityMaterial, Forger } from '../../lab/ca/types.ts';
import type { OriginSpec } from '../../lab/runtime/types.ts';
import type { AuthorityRef, CertificateKind, Scenario } from '../scenario/schema.ts';

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
// They live only in this process's memory and under the run's temp dir.
const authorities = new Map<string, Promise<AuthorityMaterial>>();

function authorityFor(preset: string): Promise<AuthorityMaterial> {
  let pending = authorities.get(preset);
  if (!pending) {
    pending = createAuthority(preset);
    authorities.set(preset, pending);
    pending.catch(() => authorities.delete(preset));
  }
  return pending;
}

export async function buildScenarioPki(scenario: Scenario, dir: string): Promise<ScenarioPki> {
  const [publicCa, rogue] = await Promise.all([authorityFor('lab-public'), authorityFor(scenario.authority.preset)]);
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
