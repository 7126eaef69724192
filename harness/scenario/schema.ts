/**
 * The scenario authoring format: the single source of truth for what a YAML file may say.
 * Names that live elsewhere (clients, target lists, presets, forging profiles) are checked after
 * parsing, against what the lab actually has, so the JSON Schema stays a pure shape.
 */
import { z } from 'zod';
import { LANGS } from '../i18n/lang.ts';
import type { LocalisedText } from '../i18n/localised.ts';

const hostName = z
  .string()
  .regex(/^[a-z0-9*]([a-z0-9.-]*[a-z0-9])?$/i, 'expected a DNS name (letters, digits, dots, dashes)');

/** Authorities a state can refer to: the campaign's rogue root, or the lab's stand-in web PKI. */
export const authorityRef = z.enum(['rogue', 'lab-public']).meta({
  description: 'rogue = the scenario authority (the national CA); lab-public = the lab web PKI that signs origins',
});
export type AuthorityRef = z.infer<typeof authorityRef>;

/** loaded | refused | flagged, or a client's exact error (which implies refused). */
export const expectationValue = z
  .string()
  .regex(/^\S+$/, 'expected loaded, refused, flagged or an exact error without spaces (e.g. exit-60)')
  .meta({
    description: 'loaded | refused | flagged | an exact client error such as exit-60 or net::ERR_CERT_REVOKED (implies refused)',
  });

/** Key types a scenario's generic authority may take (rsa-2048 and rsa2048 are the same). */
export const AUTHORITY_KEYS = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'rsa2048', 'rsa3072', 'rsa4096', 'ecdsa-p256', 'ecdsa-p384', 'ed25519'] as const;

/** The rogue root: a preset minted fresh on every run, or an authority directory on disk. */
const authoritySchema = z
  .strictObject({
    preset: z.string().min(1).optional().meta({ description: 'qaznet-2019, isca-2020, isca-2024, generic (fresh keys every run)' }),
    subject: z.string().min(1).optional().meta({ description: 'preset generic: the root\'s subject, e.g. "CN=Corp Inspection CA, O=Corp, C=US"' }),
    key: z.enum(AUTHORITY_KEYS).optional().meta({ description: 'preset generic: the root\'s key type (default ecdsa-p256)' }),
    dir: z.string().min(1).optional().meta({
      description: 'an authority directory instead of a preset: from `tlslab ca create`, or a mitmproxy confdir with mitmproxy-ca.pem; relative to this file',
    }),
  })
  .meta({ description: 'exactly one of preset and dir' });
export type AuthoritySpec = z.output<typeof authoritySchema>;

export const certificateKind = z.enum(['valid', 'expired', 'not-yet-valid', 'wrong-host', 'self-signed']);
export type CertificateKind = z.infer<typeof certificateKind>;

const siteEntry = z.union([
  hostName,
  z.strictObject({
    name: hostName,
    certificate: certificateKind.default('valid').meta({
      description: 'what the origin presents; anything but valid models a broken server behind the box',
    }),
  }),
]);

const upstreamSchema = z.strictObject({
  verify: z.boolean().meta({ description: 'the box verifies the origin against the lab web PKI' }),
  interceptOnlyIfUpstreamValid: z
    .boolean()
    .optional()
    .meta({ description: '2019 trigger: intercept only when the origin certificate is valid, else pass through' }),
});

const interceptionSchema = z.strictObject({
  targets: z
    .union([z.string().min(1), z.array(hostName)])
    .meta({ description: 'a named target list (kz-2019, kz-2020, ...) or inline SNI names; exact match' }),
  forging: z.string().min(1).meta({ description: 'forging profile name (kz-2019, mitmproxy-like, ...)' }),
  upstream: upstreamSchema.default({ verify: true }),
  mode: z
    .enum(['sni', 'connect'])
    .default('sni')
    .meta({ description: 'preferred front door for clients that support both; others get the door they support' }),
  box: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .optional()
    .meta({ description: 'the interceptor(s) in the middle: engine (the lab\'s own, default), mitmproxy, sslsplit, squid, http-mitm-proxy; --box overrides' }),
});

const pathSchema = z
  .strictObject({
    localise: z
      .strictObject({
        site: hostName.meta({ description: 'a targeted site: the smallest TTL that draws its forged certificate is the box' }),
        control: hostName.meta({ description: 'an untargeted site: the TTL at which its genuine certificate comes back is the origin' }),
      })
      .optional()
      .meta({ description: 'TTL-limited ClientHellos from the client (Censored Planet 2019): results.json gets localisation, detectors probes.ttl' }),
  })
  .meta({
    description:
      'the box sits on the clients\' IP path (transparent, with routers): runs only on a runtime that intercepts on the path (netns); elsewhere every row is skipped with the reason',
  });

/** Prose for people: one string, or a map with English and any of the lab's other languages. */
export const localisedText = z
  .union([
    z.string(),
    z.strictObject({ en: z.string(), ru: z.string().optional(), kk: z.string().optional() }) satisfies z.ZodType<Exclude<LocalisedText, string>>,
  ])
  .meta({ description: `a string, or a map by language: ${LANGS.join(', ')} (en required; Kazakh in Cyrillic); the reports show the --lang one` });

const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).transform((v): z.infer<T>[] => (Array.isArray(v) ? v : [v]));

const stateSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'expected a short name (letters, digits, . _ -)'),
  description: localisedText.optional(),
  trust: z.array(authorityRef).default([]).meta({ description: 'roots installed besides lab-public (always trusted)' }),
  pins: oneOrMany(authorityRef)
    .optional()
    .meta({ description: 'lab-public = the real origin keys plus the lab-public root; rogue = the rogue root' }),
  block: z.strictObject({ spki: z.array(authorityRef) }).optional(),
  blockInterception: z.array(authorityRef).optional(),
  knownInterception: z.array(authorityRef).optional(),
  distrust: z.array(authorityRef).optional(),
  settings: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .optional()
    .meta({ description: 'per-client knobs, keyed by client name' }),
  expect: z.record(z.string(), expectationValue).meta({
    description: 'keys: "*", a client, a site, or client@site; the most specific key wins (client@site > site > client > *)',
  }),
  boxes: z
    .record(z.string(), z.record(z.string(), expectationValue))
    .optional()
    .meta({ description: 'per box, expectations that differ from expect (same keys); the most specific key of either map wins, the box\'s on a tie; a box not named here is held to expect' }),
});

const allowSchema = z.strictObject({
  client: z.string().min(1),
  site: z.string().min(1).optional(),
  state: z.string().min(1).optional(),
  reason: z.string().min(1),
});

export const scenarioSchema = z
  .strictObject({
    $schema: z.string().optional(),
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'expected a short id (letters, digits, . _ -)'),
    description: localisedText.default(''),
    authority: authoritySchema,
    interception: interceptionSchema.optional().meta({ description: 'absent = no interception (a baseline)' }),
    path: pathSchema.optional(),
    sites: z.array(siteEntry).min(1),
    clients: z.array(z.string().min(1)).min(1),
    states: z.array(stateSchema).min(1),
    allow: z.array(allowSchema).default([]).meta({ description: 'known deviations: the row passes, marked allowed' }),
  })
  .meta({ title: 'tls-interception-lab scenario' });

export type ScenarioInput = z.input<typeof scenarioSchema>;
type Parsed = z.output<typeof scenarioSchema>;

export interface Site {
  name: string;
  certificate: CertificateKind;
}

/** A validated scenario with sites normalised; what the rest of the harness works with. */
export type Scenario = Omit<Parsed, 'sites' | '$schema'> & { sites: Site[]; file: string };
export type State = Parsed['states'][number];
export type Allowance = Parsed['allow'][number];
export type Interception = NonNullable<Parsed['interception']>;
export type PathSpec = NonNullable<Parsed['path']>;
