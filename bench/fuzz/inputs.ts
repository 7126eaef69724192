/**
 * Structured malformed input for both doors, as fast-check arbitraries: one per class of input
 * issue 12 names, built from real hellos (so most inputs get far into the engine before they go
 * wrong) and from hellos built field by field (so every length, list and extension can be wrong).
 */
import fc from 'fast-check';
import { alpnData, dissect, EXT, helloRecord, helloRecords, keyShareData, serverNameData, supportedVersionsData, u16, u16ListData, u16s, u8, type Extension, type HelloSpec } from './hello-parts.ts';

export type Door = 'sni' | 'connect';

export const INPUT_KINDS = [
  'random-bytes',
  'lying-length',
  'truncated',
  'alpn',
  'sni',
  'extensions',
  'fields',
  'split',
  'garbage-after',
  'records',
  'mutation',
  'connect-request',
  'http-in-tunnel',
] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

export interface FuzzInput {
  kind: InputKind;
  door: Door;
  /**
   * CONNECT door: 'together' sends a valid CONNECT request in the same write as the first chunk,
   * 'await-200' waits for the engine's answer first; 'none' means the chunks are the request
   */
  connect: 'none' | 'together' | 'await-200';
  /** finish a real TLS handshake (SNI `tunnelName`) first and send the chunks inside it */
  tunnel: boolean;
  chunks: Buffer[];
  /** half-close after the last chunk (otherwise the engine's timeouts must end it) */
  end: boolean;
}

/** the target name the fuzz engine intercepts, and one it passes through */
export const TARGET_NAME = 'facebook.com';
export const OTHER_NAME = 'example.org';

export interface Seeds {
  /** captured hellos, dissected */
  specs: HelloSpec[];
  /** the same, as sent */
  raw: Buffer[];
}

export function seedsFrom(raw: Buffer[]): Seeds {
  return { specs: raw.map(dissect), raw };
}

const bytes = (maxLength: number, minLength = 0) => fc.uint8Array({ minLength, maxLength }).map((a) => Buffer.from(a));
const latin1 = (text: string) => Buffer.from(text, 'latin1');

function withExtension(spec: HelloSpec, id: number, data: Extension['data'] | undefined): HelloSpec {
  const others = (spec.extensions ?? []).filter((e) => e.id !== id);
  return { ...spec, extensions: data === undefined ? others : [...others, { id, data }] };
}

const build = (spec: HelloSpec) => helloRecords(spec, []);

/** The hello of issue 12: SNI facebook.com and an ALPN list holding one empty name (80 bytes). */
export function emptyAlpnHello(): Buffer {
  return build({
    recordVersion: 0x0301,
    version: 0x0303,
    random: Buffer.alloc(32, 1),
    sessionId: Buffer.alloc(0),
    suites: u16s([0xc02f]),
    compression: Buffer.from([0]),
    extensions: [
      { id: EXT.serverName, data: serverNameData([{ type: 0, name: latin1(TARGET_NAME) }]) },
      { id: EXT.alpn, data: alpnData([Buffer.alloc(0)]) },
    ],
  });
}

export function inputArbitrary(seeds: Seeds): fc.Arbitrary<FuzzInput> {
  const door = fc.constantFrom<Door>('sni', 'connect');
  const connect = fc.constantFrom<FuzzInput['connect']>('together', 'await-200');
  const spec = fc.constantFrom(...seeds.specs);
  const real = fc.constantFrom(...seeds.raw);
  const tlsInput = (kind: InputKind, payload: fc.Arbitrary<Buffer>, end: fc.Arbitrary<boolean> = fc.boolean()) =>
    fc.record({ door, connect, payload, end }).map(({ door: d, connect: c, payload: p, end: e }): FuzzInput => ({ kind, door: d, connect: d === 'connect' ? c : 'none', tunnel: false, chunks: [p], end: e }));

  const randomBytes = tlsInput('random-bytes', fc.oneof(bytes(2048), bytes(2048).map((b) => Buffer.concat([Buffer.from([22, 3, 1]), b]))));

  const lyingLength = tlsInput(
    'lying-length',
    spec.chain((s) => {
      const encoded = helloRecord(s);
      return fc.record({ field: fc.constantFrom(...encoded.lengths), value: fc.integer({ min: 0, max: 0xffffff }), nudge: fc.integer({ min: -3, max: 3 }), pick: fc.nat(3) }).map(({ field, value, nudge, pick }) => {
        const out = Buffer.from(encoded.bytes);
        const max = 2 ** (8 * field.size) - 1;
        const current = out.readUIntBE(field.offset, field.size);
        const lie = [0, max, Math.min(max, Math.max(0, current + nudge)), value % (max + 1)][pick]!;
        out.writeUIntBE(lie, field.offset, field.size);
        return out;
      });
    }),
  );

  const truncated = tlsInput('truncated', real.chain((r) => fc.nat(r.length - 1).map((cut) => r.subarray(0, cut))));

  const protocolName = fc.oneof(
    fc.constant(Buffer.alloc(0)),
    fc.constantFrom('h2', 'http/1.1', 'http/1.0', 'spdy/3', 'acme-tls/1', 'h3').map(latin1),
    bytes(255, 1),
    fc.constant(Buffer.alloc(255, 0x61)),
    fc.constant(Buffer.from([0xc3, 0xa9, 0xff])),
    fc.constant(Buffer.alloc(300, 0x62)),
  );
  const alpn = tlsInput(
    'alpn',
    fc.record({ s: spec, protocols: fc.array(protocolName, { maxLength: 8 }), twice: fc.boolean(), raw: fc.option(bytes(40)) }).map(({ s, protocols, twice, raw }) => {
      const data = raw ?? alpnData(protocols);
      const once = withExtension(s, EXT.alpn, data);
      return build(twice ? { ...once, extensions: [...once.extensions!, { id: EXT.alpn, data: alpnData([latin1('http/1.1')]) }] } : once);
    }),
  );

  const hostName = fc.oneof(
    fc.constantFrom(TARGET_NAME, OTHER_NAME, '', 'FACEBOOK.COM', 'facebook.com.', '.facebook.com', 'face book.com', '127.0.0.1', '::1', '*.facebook.com', 'facebook.com\0.evil', 'xn--fcebook-8va.com').map(latin1),
    fc.constantFrom(Buffer.from('facébook.com', 'utf8'), latin1('fac\xe9book.com'), Buffer.alloc(254, 0x61), Buffer.alloc(64, 0x61), Buffer.alloc(65_000, 0x61)),
    bytes(300),
  );
  const sni = tlsInput(
    'sni',
    fc
      .record({ s: spec, entries: fc.array(fc.record({ type: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })), name: hostName }), { maxLength: 3 }), twice: fc.boolean(), raw: fc.option(bytes(40)) })
      .map(({ s, entries, twice, raw }) => {
        const once = withExtension(s, EXT.serverName, raw ?? serverNameData(entries));
        return build(twice ? { ...once, extensions: [...once.extensions!, { id: EXT.serverName, data: serverNameData([{ type: 0, name: latin1(OTHER_NAME) }]) }] } : once);
      }),
  );

  const version16 = fc.oneof(fc.constantFrom(0x0304, 0x0303, 0x0302, 0x0301, 0x0300, 0x0200, 0x7f1c, 0xfefd, 0x0a0a, 0xffff, 0x0000), fc.integer({ min: 0, max: 0xffff }));
  const extensionData = fc.oneof(
    bytes(300),
    fc.array(version16, { maxLength: 130 }).map((v) => supportedVersionsData(v)),
    fc.array(version16, { maxLength: 40 }).map((v) => u16ListData('list', v)),
    fc.array(fc.record({ group: version16, key: bytes(200) }), { maxLength: 5 }).map((e) => keyShareData(e)),
  );
  const extensionId = fc.oneof(fc.constantFrom(0, 1, 5, 10, 11, 13, 16, 18, 21, 23, 27, 28, 35, 41, 42, 43, 45, 50, 51, 0x4469, 0xfe0d, 0xff01, 0x0a0a, 0xfafa), fc.integer({ min: 0, max: 0xffff }));
  const extensions = tlsInput(
    'extensions',
    fc
      .record({ s: spec, extra: fc.array(fc.record({ id: extensionId, data: extensionData }), { maxLength: 24 }), keepBase: fc.boolean(), duplicate: fc.boolean() })
      .map(({ s, extra, keepBase, duplicate }) => {
        const base = keepBase ? [...(s.extensions ?? [])] : [{ id: EXT.serverName, data: serverNameData([{ type: 0, name: latin1(TARGET_NAME) }]) }];
        const all = [...base, ...extra];
        if (duplicate && all.length > 0) all.push(all[extra.length % all.length]!);
        return build({ ...s, extensions: all });
      }),
  );

  const fields = tlsInput(
    'fields',
    fc
      .record({
        s: spec,
        recordVersion: version16,
        version: version16,
        random: fc.oneof(bytes(40), fc.constant(Buffer.alloc(32))),
        sessionId: bytes(40),
        suites: fc.oneof(bytes(600), fc.array(version16, { maxLength: 300 }).map(u16s)),
        compression: fc.oneof(fc.constant(Buffer.from([0])), bytes(5)),
        noExtensions: fc.boolean(),
      })
      .map(({ s, noExtensions, ...changed }) => {
        const { extensions: _drop, ...rest } = { ...s, ...changed };
        return build(noExtensions ? rest : { ...rest, ...(s.extensions ? { extensions: s.extensions } : {}) });
      }),
  );

  const split = fc
    .record({ door, connect, hello: real, sizes: fc.oneof(fc.constant([1]), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 12 })), end: fc.boolean() })
    .map(({ door: d, connect: c, hello, sizes, end }): FuzzInput => {
      const chunks: Buffer[] = [];
      for (let offset = 0, i = 0; offset < hello.length; i++) {
        const size = sizes[i % sizes.length]!;
        chunks.push(hello.subarray(offset, offset + size));
        offset += size;
      }
      return { kind: 'split', door: d, connect: d === 'connect' ? c : 'none', tunnel: false, chunks, end };
    });

  const garbageAfter = tlsInput('garbage-after', fc.tuple(real, fc.oneof(bytes(2000, 1), real)).map(([hello, tail]) => Buffer.concat([hello, tail])));

  const foreignRecord = fc.record({ type: fc.constantFrom(20, 21, 23, 24, 0, 255), body: bytes(20) }).map(({ type, body }) => Buffer.concat([u8(type), u16(0x0303), u16(body.length), body]));
  const records = tlsInput(
    'records',
    fc
      .record({ s: spec, fragments: fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 1, maxLength: 20 }), foreign: fc.option(foreignRecord), at: fc.nat(), emptyRecord: fc.boolean(), recordVersion: fc.constantFrom(0x0301, 0x0303, 0x0200, 0x0400, 0x0000) })
      .map(({ s, fragments, foreign, at, emptyRecord, recordVersion }) => {
        const message = helloRecords({ ...s, recordVersion }, fragments);
        const cut = message.length === 0 ? 0 : at % message.length;
        const inserted: Buffer[] = [];
        if (foreign) inserted.push(foreign);
        if (emptyRecord) inserted.push(Buffer.from([22, 3, 1, 0, 0]));
        return Buffer.concat([message.subarray(0, cut), ...inserted, message.subarray(cut)]);
      }),
  );

  const mutation = tlsInput(
    'mutation',
    fc.record({ hello: real, edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }) }).map(({ hello, edits }) => {
      const out = Buffer.from(hello);
      for (const { at, value } of edits) out[at % out.length] = value;
      return out;
    }),
  );

  const connectRequest = fc
    .record({
      method: fc.constantFrom('CONNECT', 'GET', 'connect', 'CONNECTX', '', 'PRI', '\x16\x03\x01'),
      authority: fc.oneof(
        fc.constantFrom(`${TARGET_NAME}:443`, TARGET_NAME, ':443', `${TARGET_NAME}:0`, `${TARGET_NAME}:99999`, '[::1]:443', '[zz::1]:443', '[::1', 'a b:443', 'fa\0ce.com:443', 'fac\xe9.com:443', '1.2.3.4:443', '/path', '*', `${TARGET_NAME}:443:443`, '-.com:443', `${'a'.repeat(300)}.com:443`),
        fc.constant(`${'a'.repeat(20_000)}:443`),
        fc.string({ maxLength: 40 }),
      ),
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', '', 'HTTP/1.1 extra', 'http/1.1'),
      eol: fc.constantFrom('\r\n', '\n', '\r', ''),
      headers: fc.array(
        fc.oneof(fc.constantFrom(`Host: ${TARGET_NAME}:443`, 'no-colon-here', 'X: \0', ' folded', 'Proxy-Authorization: Basic Zm9vOmJhcg=='), fc.constant(`X-Big: ${'v'.repeat(20_000)}`), fc.string({ maxLength: 60 })),
        { maxLength: 6 },
      ),
      many: fc.boolean(),
      terminated: fc.boolean(),
      after: fc.option(fc.oneof(real, bytes(200))),
      byteByByte: fc.boolean(),
      end: fc.boolean(),
    })
    .map(({ method, authority, version, eol, headers, many, terminated, after, byteByByte, end }): FuzzInput => {
      const lines = [`${method} ${authority} ${version}`, ...headers, ...(many ? Array.from({ length: 400 }, (_, i) => `X-H${i}: ${i}`) : [])];
      const head = latin1(lines.join(eol) + (terminated ? eol + eol : ''));
      const payload = Buffer.concat([head, after ?? Buffer.alloc(0)]);
      const chunks = byteByByte && payload.length <= 512 ? [...payload].map((b) => Buffer.from([b])) : [payload];
      return { kind: 'connect-request', door: 'connect', connect: 'none', tunnel: false, chunks, end };
    });

  const requestHead = fc.oneof(
    fc.constantFrom(
      'GET / HTTP/1.1\r\nHost: facebook.com\r\n',
      'GET / HTTP/1.1\r\nHost: facebook.com\r\nContent-Length: -1\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: facebook.com\r\nTransfer-Encoding: chunked, identity\r\n\r\nzz\r\n',
      'POST / HTTP/1.1\r\nHost: facebook.com\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'CONNECT facebook.com:443 HTTP/1.1\r\n\r\n',
      'GET http://other.example/ HTTP/1.1\r\nHost: other.example\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: facebook.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: facebook.com\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n',
      'get / HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: facebook.com\r\n\r\nGET / HTTP/1.1\r\nHost: face',
      'GET / HTTP/1.1\r\nHo\0st: x\r\n\r\n',
      'GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'G',
      'GET / HTTP/1.',
    ),
    fc.constant(`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: facebook.com\r\n\r\n`),
    fc.constant(`GET / HTTP/1.1\r\nHost: facebook.com\r\nX-Big: ${'v'.repeat(100_000)}\r\n\r\n`),
    fc.string({ maxLength: 200 }).map((s) => `GET / HTTP/1.1\r\nHost: facebook.com\r\n${s}\r\n\r\n`),
    fc.string({ maxLength: 200 }),
  );
  const httpInTunnel = fc
    .record({ door, head: requestHead, tail: fc.option(bytes(200)), byteByByte: fc.boolean(), end: fc.boolean() })
    .map(({ door: d, head, tail, byteByByte, end }): FuzzInput => {
      const payload = Buffer.concat([latin1(head), tail ?? Buffer.alloc(0)]);
      const chunks = byteByByte && payload.length <= 256 ? [...payload].map((b) => Buffer.from([b])) : [payload];
      return { kind: 'http-in-tunnel', door: d, connect: d === 'connect' ? 'await-200' : 'none', tunnel: true, chunks, end };
    });

  return fc.oneof(
    { arbitrary: randomBytes, weight: 2 },
    { arbitrary: lyingLength, weight: 3 },
    { arbitrary: truncated, weight: 1 },
    { arbitrary: alpn, weight: 3 },
    { arbitrary: sni, weight: 3 },
    { arbitrary: extensions, weight: 3 },
    { arbitrary: fields, weight: 2 },
    { arbitrary: split, weight: 1 },
    { arbitrary: garbageAfter, weight: 1 },
    { arbitrary: records, weight: 2 },
    { arbitrary: mutation, weight: 3 },
    { arbitrary: connectRequest, weight: 2 },
    { arbitrary: httpInTunnel, weight: 1 },
  );
}

/** Every prefix of every seed hello, half-closed, on both doors: the truncation sweep. */
export function truncationSweep(seeds: Seeds, doors: readonly Door[] = ['sni', 'connect']): FuzzInput[] {
  return seeds.raw.slice(0, 1).flatMap((hello) =>
    doors.flatMap((d) =>
      Array.from({ length: hello.length }, (_, cut): FuzzInput => ({ kind: 'truncated', door: d, connect: d === 'connect' ? 'together' : 'none', tunnel: false, chunks: [hello.subarray(0, cut)], end: true })),
    ),
  );
}
