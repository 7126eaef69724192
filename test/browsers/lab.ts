/**
 * The browser tests' small world, on 127.0.0.1 only: certificates from lab/ca, one HTTPS origin
 * that serves a leaf per SNI (legit names from the lab's public PKI, targeted names from a rogue
 * CA, as an interceptor would), and a CONNECT relay in front of it for Firefox.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, issueServerCertificate, spkiSha256, type AuthorityMaterial } from '../../lab/ca/index.ts';
import type { Route, VisitTarget } from '../../lab/clients/types.ts';
import { startConnectRelay, startOrigin, type RunningServer, type ServedCertificate } from './origin.ts';

export interface LabRoot {
  authority: AuthorityMaterial;
  /** PEM file of the root, for TrustState.anchors / distrust */
  file: string;
  spki: string;
}

export interface BrowserTestLab {
  dir: string;
  roots: Record<RootName, LabRoot>;
  origin: RunningServer;
  relay: RunningServer;
  direct: Route;
  connect: Route;
  close(): Promise<void>;
}

/** which root signs each name's leaf */
const SITES = {
  'www.wikipedia.org': 'public',
  'www.google.com': 'rogue',
  'www.youtube.com': 'rogue',
  'vk.com': 'rogue',
  'mitm-priming.lab.test': 'rogue',
  'blocked.lab.test': 'blocked',
  'interception.lab.test': 'interception',
  'known.lab.test': 'known',
  'qaznet-clone.lab.test': 'qaznet2019',
} as const;

type RootName = 'public' | 'rogue' | 'blocked' | 'interception' | 'known' | 'qaznet2019';

async function makeRoot(dir: string, name: RootName): Promise<LabRoot> {
  const authority = name === 'public'
    ? await createAuthority('lab-public')
    : name === 'qaznet2019'
      ? await createAuthority('qaznet-2019')
      : await createAuthority('generic', { generic: { subject: `CN=Lab Rogue ${name} CA, C=KZ` } });
  const file = join(dir, `${name}.pem`);
  await writeFile(file, authority.root.certPem);
  return { authority, file, spki: spkiSha256(authority.root.certPem).base64 };
}

export async function startBrowserTestLab(): Promise<BrowserTestLab> {
  const dir = await mkdtemp(join(tmpdir(), 'tlslab-browsers-'));
  const names: RootName[] = ['public', 'rogue', 'blocked', 'interception', 'known', 'qaznet2019'];
  const roots = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await makeRoot(dir, name)]))) as Record<RootName, LabRoot>;
  const served = new Map<string, ServedCertificate>();
  for (const [site, rootName] of Object.entries(SITES)) {
    const leaf = await issueServerCertificate(roots[rootName].authority, { names: [site] });
    served.set(site, { chainPem: leaf.chainPem, keyPem: leaf.keyPem });
  }
  const origin = await startOrigin(served, served.get('www.wikipedia.org')!);
  const relay = await startConnectRelay(origin.port);
  return {
    dir,
    roots,
    origin,
    relay,
    direct: { kind: 'direct', host: '127.0.0.1', port: origin.port },
    connect: { kind: 'connect', host: '127.0.0.1', port: relay.port },
    close: async () => {
      await relay.close();
      await origin.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function target(site: string, route: Route): VisitTarget {
  return { site, url: `https://${site}/`, route, timeoutMs: 15_000 };
}
