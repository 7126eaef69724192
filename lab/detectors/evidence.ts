/**
 * Everything a detector may look at for one cell (state × client × site), as plain JSON data.
 * Plug-ins in other languages read exactly this shape on stdin, so it is a zod schema first and
 * a TypeScript type second; `evidenceJsonSchema()` hands the same contract to non-TS authors.
 */
import { z } from 'zod';
import type { Observation } from '../clients/types.ts';

const chainSeenSchema = z.object({
  leafSubject: z.string(),
  issuer: z.string(),
  leafSpkiSha256: z.string(),
  rootSpkiSha256: z.string().optional(),
  topSpkiSha256: z.string().optional(),
  chainPem: z.array(z.string()).optional(),
});

/** Mirrors lab/clients/types.ts `Observation`; the compile-time check below keeps them identical. */
export const observationSchema = z.object({
  outcome: z.enum(['loaded', 'refused', 'flagged', 'skipped']),
  error: z.string().optional(),
  chain: chainSeenSchema.optional(),
  status: z.number().int().optional(),
  durationMs: z.number(),
  detail: z.string().optional(),
  artefacts: z.array(z.string()).optional(),
  retries: z.number().int().optional(),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// fails to compile the day lab/clients changes Observation without this schema following
const observationMatchesClientContract: Same<Observation, z.infer<typeof observationSchema>> = true;
void observationMatchesClientContract;

const skippedProbeSchema = z.object({ skipped: z.string().min(1) });

export const TLS_VERSION_NAMES = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3', 'SSLv2', 'unknown'] as const;
export type TlsVersionName = (typeof TLS_VERSION_NAMES)[number];

/** The ClientHello as the origin server received it (after any interceptor). */
export const originClientHelloSchema = z.object({
  ja3: z.string(),
  ja4: z.string(),
  /** highest version offered: supported_versions when present, else the legacy ClientHello version */
  tlsVersion: z.enum(TLS_VERSION_NAMES),
  /** cipher suite code points in offered order, GREASE included as received */
  ciphers: z.array(z.number().int().min(0).max(0xffff)),
  /** extension ids in offered order */
  extensions: z.array(z.number().int().min(0).max(0xffff)),
});

/**
 * What a detector sees of one cell: what the client saw, what the origin received, and probes.
 * The box's own record (its decision, what it served, its upstream hello) is what decides the
 * ground truth, so it is kept apart and never shown to a detector, built-in or plug-in.
 */
export const evidenceSchema = z.object({
  scenario: z.string(),
  state: z.string(),
  client: z.string(),
  site: z.string(),
  /** 1 for the first try of the cell; retries count up */
  attempt: z.number().int().positive().optional(),
  /** the interceptor in the middle, when a run compares several boxes */
  box: z.string().optional(),
  observation: observationSchema,
  /** the full chain the client was served, leaf first, PEM (roots only if the server sent them) */
  chainPem: z.array(z.string()).optional(),
  /** the leaf the real origin presents for this site */
  originCertPem: z.string().optional(),
  origin: z.object({
    clientHello: originClientHelloSchema.optional(),
    userAgent: z.string().optional(),
  }),
  probes: z
    .object({
      /** Hyperquack-style: the chain fetched for the same site from another vantage point */
      crossVantage: z.union([z.object({ chainPem: z.array(z.string()).min(1) }), skippedProbeSchema]).optional(),
      /**
       * TTL-limited probe: interceptorHop = the smallest IP TTL on the ClientHello that still drew a
       * certificate back (null: none at any TTL); originHop = the hop count to the origin itself.
       */
      ttl: z
        .union([
          z.object({ interceptorHop: z.number().int().positive().nullable(), originHop: z.number().int().positive() }),
          skippedProbeSchema,
        ])
        .optional(),
    })
    .optional(),
  /** the lab's "public store": PEM anchors a user would get from their OS/browser vendor */
  publicAnchorsPem: z.array(z.string()),
  /**
   * The lab never holds a real campaign's private keys: its copy of a real root has a fresh key.
   * Each entry says "this run's key plays the part of that real key", so a detector matching real
   * SPKIs (a blocklist) can judge the replay as it would judge the campaign.
   */
  keyStandIns: z.array(z.object({ labSpkiSha256: z.string(), realSpkiSha256: z.string(), subject: z.string() })).optional(),
});

export type Evidence = z.infer<typeof evidenceSchema>;

/** What a plug-in receives: exactly the Evidence (the ground truth was never part of it). */
export const pluginEvidenceSchema = evidenceSchema;
export type PluginEvidence = Evidence;
export type OriginClientHello = z.infer<typeof originClientHelloSchema>;

/** Names one cell in messages. */
export interface CellKey {
  scenario: string;
  state: string;
  client: string;
  site: string;
}

export function describeCell(cell: CellKey): string {
  return `${cell.scenario}/${cell.state}/${cell.client}/${cell.site}`;
}

/** Validates untrusted JSON (a file, a plug-in's stdin) into Evidence, with every problem listed. */
export function parseEvidence(json: unknown): Evidence {
  return evidenceSchema.parse(json);
}

/** JSON Schema of what a plug-in reads on stdin. */
export function evidenceJsonSchema(): unknown {
  return z.toJSONSchema(evidenceSchema);
}
