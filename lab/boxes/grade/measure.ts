/**
 * Measuring a box for its report card, on the loopback runtime: the box is put in front of origins
 * the lab owns — sound ones and broken ones (expired, wrong host, self-signed, an untrusted root,
 * revoked with a CRL and OCSP address the lab serves on loopback and counts requests at) —
 * every name a target, upstream verification asked for, and the card's own client goes through
 * it. Everything reported is what was seen: the chains, what the origins received, the clock.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, createForger, issueCrl, issueServerCertificate } from '../../ca/index.ts';
import type { AuthorityMaterial } from '../../ca/types.ts';
import { loopbackRuntime } from '../../runtime/loopback.ts';
import { startOrigin } from '../../runtime/origin.ts';
import type { LabEngineEvent, OriginVisit } from '../../runtime/types.ts';
import type { Interceptor } from '../types.ts';
import { probe, type ProbeResult } from './probe-client.ts';

export const BROKEN_ORIGINS = ['expired', 'wrong-host', 'self-signed', 'untrusted-root', 'revoked'] as const;
export type BrokenOrigin = (typeof BROKEN_ORIGINS)[number];

const SOUND = ['a.card.example', 'b.card.example'];
const FIRST_CONTACT = Array.from({ length: 5 }, (_, i) => `fresh${i + 1}.card.example`);
const brokenSite = (kind: BrokenOrigin) => `${kind}.card.example`;

export interface BoxMeasurements {
  /** per broken origin, what the card's client got through the box */
  broken: Record<BrokenOrigin, { probe: ProbeResult; originLeafPem: string }>;
  /** the sound sites through the box, and the origin's own leaf for each */
  sound: Array<{ site: string; probe: ProbeResult; originLeafPem: string }>;
  /** what the origins received from the box (its ClientHello among them) */
  originVisits: OriginVisit[];
  /** the card client's own ClientHello JA4, as the lab's door saw it */
  clientJa4?: string;
  /** first contact with a name: through the box, and straight to an origin */
  firstContactMs: { box: number[]; direct: number[] };
  rogue: AuthorityMaterial;
  /** what the box declared it cannot express of the card's policy */
  limitations: string[];
  /** requests that reached the revoked origin's CRL distribution point and OCSP address */
  revocationRequests: string[];
}

/** the revoked origin's CRL and OCSP address: serves the CRL once it exists, counts every request */
interface RevocationResponder {
  base: string;
  requests: string[];
  crl?: Buffer;
  server: Server;
}

const REVOCATION_HOST = '127.0.99.250';

async function startRevocationResponder(): Promise<RevocationResponder> {
  const responder = { requests: [] as string[] } as RevocationResponder;
  responder.server = createServer((request, response) => {
    responder.requests.push(`${request.method} ${request.url}`);
    if (request.url === '/issuing.crl' && responder.crl) {
      response.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(responder.crl);
    } else {
      response.writeHead(404).end();
    }
  });
  responder.server.listen(0, REVOCATION_HOST);
  await once(responder.server, 'listening');
  const address = responder.server.address();
  responder.base = `http://${REVOCATION_HOST}:${typeof address === 'object' && address ? address.port : 0}`;
  return responder;
}

async function originCertificate(publicCa: AuthorityMaterial, untrusted: AuthorityMaterial, site: string, kind: BrokenOrigin | undefined, revocationBase: string) {
  switch (kind) {
    case 'revoked':
      return issueServerCertificate(publicCa, { names: [site], revocationBase });
    case 'expired':
      return issueServerCertificate(publicCa, { names: [site], validity: 'expired' });
    case 'wrong-host':
      return issueServerCertificate(publicCa, { names: [`not-${site}`] });
    case 'self-signed':
      return issueServerCertificate(publicCa, { names: [site], selfSigned: true });
    case 'untrusted-root':
      return issueServerCertificate(untrusted, { names: [site] });
    default:
      return issueServerCertificate(publicCa, { names: [site] });
  }
}

/** `box`: an adapter, or undefined for the lab's own engine */
export async function measureBox(box: Interceptor | undefined): Promise<BoxMeasurements> {
  const workDir = await mkdtemp(join(tmpdir(), 'tlslab-grade-'));
  const closers: Array<() => Promise<void>> = [];
  try {
    const [publicCa, rogue, untrusted] = await Promise.all([
      createAuthority('lab-public'),
      createAuthority('qaznet-2019'),
      createAuthority('generic', { generic: { subject: 'CN=Untrusted Root, O=Nobody, C=XX', keyType: 'ecdsa-p256', validityDays: 2 } }),
    ]);
    const publicRootFile = join(workDir, 'lab-public-root.pem');
    await writeFile(publicRootFile, publicCa.root.certPem);
    const sites = [...SOUND, ...FIRST_CONTACT, ...BROKEN_ORIGINS.map(brokenSite)];
    const responder = await startRevocationResponder();
    closers.push(() => new Promise<void>((resolve) => responder.server.close(() => resolve())));
    const origins = await Promise.all(
      sites.map(async (name) => {
        const kind = BROKEN_ORIGINS.find((k) => brokenSite(k) === name);
        const issued = await originCertificate(publicCa, untrusted, name, kind, responder.base);
        if (kind === 'revoked') responder.crl = await issueCrl(publicCa, [issued.serialHex]);
        return { name, chainPem: issued.chainPem, keyPem: issued.keyPem, leafPem: issued.certPem };
      }),
    );
    const events: LabEngineEvent[] = [];
    const lab = await loopbackRuntime.up({
      origins,
      workDir,
      lanes: 1,
      interception: {
        targets: { names: new Set(sites) },
        forger: await createForger(rogue, 'modern'),
        upstream: { verify: true, caPem: [publicCa.root.certPem] },
      },
      ...(box && { box: { interceptor: box, authority: rogue, upstreamCaFile: publicRootFile, brokenSites: BROKEN_ORIGINS.map(brokenSite) } }),
    });
    try {
      const lane = await lab.lease();
      const through = async (site: string): Promise<ProbeResult> => {
        const ticket = await lane.startCell({ state: 'card', client: 'card', site, attempt: 1 });
        const result = await probe(ticket.route('direct'), site, ticket.url);
        await lane.endCell();
        return result;
      };
      const leafOf = (site: string) => origins.find((o) => o.name === site)!.leafPem;
      const firstContactBox: number[] = [];
      for (const site of FIRST_CONTACT) firstContactBox.push((await through(site)).ms);
      const sound = [];
      for (const site of SOUND) sound.push({ site, probe: await through(site), originLeafPem: leafOf(site) });
      const broken = {} as BoxMeasurements['broken'];
      for (const kind of BROKEN_ORIGINS) broken[kind] = { probe: await through(brokenSite(kind)), originLeafPem: leafOf(brokenSite(kind)) };
      const record = await lane.release();
      for (const cell of record.cells) events.push(...cell.connections.flatMap((c) => c.events));
      const hello = events.find((e) => e.type === 'client-hello');
      return {
        broken,
        sound,
        originVisits: sites.flatMap((s) => lab.originView(s)),
        ...(hello?.type === 'client-hello' && hello.ja4 && { clientJa4: hello.ja4 }),
        firstContactMs: { box: firstContactBox, direct: await directFirstContacts(publicCa) },
        rogue,
        revocationRequests: [...responder.requests],
        limitations: (box?.limitations({
          authority: rogue,
          targets: { names: new Set(sites) },
          upstream: { verify: true },
          upstreamCaFile: publicRootFile,
          resolve: () => undefined,
          sites,
          brokenSites: BROKEN_ORIGINS.map(brokenSite),
        }) ?? []).map((l) => l.text),
      };
    } finally {
      await lab.down();
    }
  } finally {
    for (const close of closers) await close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** the same first contact straight to a fresh origin: what the box's share of it is measured against */
async function directFirstContacts(publicCa: AuthorityMaterial): Promise<number[]> {
  const out: number[] = [];
  for (const [i, site] of FIRST_CONTACT.entries()) {
    const issued = await issueServerCertificate(publicCa, { names: [site] });
    const origin = await startOrigin({ name: site, chainPem: issued.chainPem, keyPem: issued.keyPem }, `127.0.99.${i + 1}`, 0);
    try {
      out.push((await probe({ kind: 'direct', host: origin.host, port: origin.port }, site, `https://${site}:${origin.port}/`)).ms);
    } finally {
      await origin.close();
    }
  }
  return out;
}

