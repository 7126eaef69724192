import { isIP } from 'node:net';
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { UserError } from '../errors.ts';
import { loadAuthority, createForger, PROFILE_NAMES, parseCertificates } from '../../lab/ca/index.ts';
import { DEFAULT_TIMEOUTS, installLastResortGuard, reportOnStderr, startEngine, type EngineTimeouts } from '../../lab/proxy/index.ts';
import { targetPolicyFrom, TARGET_LIST_NAMES } from '../../lab/proxy/targets.ts';
import type { Destination, EngineEvent, EngineOptions, UpstreamPolicy } from '../../lab/proxy/types.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function parseHostPort(text: string, flag: string): Destination {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s\[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65_535) throw new UserError(`${flag} must be HOST:PORT (e.g. 127.0.0.1:8443), got "${text}"`);
  return { host: (m[1] ?? m[2])!, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** NAME=HOST:PORT entries: where the SNI door (and CONNECT) sends each name. */
export function parseMap(entries: readonly string[]): Map<string, Destination> {
  const map = new Map<string, Destination>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UserError(`--map must be NAME=HOST:PORT, got "${entry}"`);
    map.set(entry.slice(0, eq).toLowerCase(), parseHostPort(entry.slice(eq + 1), '--map'));
  }
  return map;
}

/** One flag a timeout: `--hello-timeout 500` sets helloTimeoutMs. */
const TIMEOUT_FLAGS: readonly { phase: keyof EngineTimeouts; flag: string; option: keyof EngineOptions & `${string}TimeoutMs`; what: string }[] = [
  { phase: 'hello', flag: 'hello-timeout', option: 'helloTimeoutMs', what: 'accept to a complete ClientHello' },
  { phase: 'upstream', flag: 'upstream-timeout', option: 'upstreamTimeoutMs', what: 'origin TCP connect and TLS handshake' },
  { phase: 'clientHandshake', flag: 'handshake-timeout', option: 'clientHandshakeTimeoutMs', what: "the client's TLS handshake with the forged chain" },
  { phase: 'requestHead', flag: 'head-timeout', option: 'requestHeadTimeoutMs', what: 'first byte of an HTTP request head (or a CONNECT) to its end' },
  { phase: 'idle', flag: 'idle-timeout', option: 'idleTimeoutMs', what: 'no bytes either way (keep-alive, relays)' },
  { phase: 'connection', flag: 'connection-timeout', option: 'connectionTimeoutMs', what: 'a whole connection' },
];

export function parseTimeoutMs(text: string, flag: string): number {
  const ms = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(ms) || ms < 1 || ms > 2_147_483_647) {
    throw new UserError(`--${flag} must be a whole number of milliseconds between 1 and 2147483647, got "${text}"`);
  }
  return ms;
}

interface ProxyFlags {
  ca: string;
  profile: string;
  listen: string;
  mode: 'connect' | 'sni';
  targets: string;
  map?: string[];
  upstreamCa?: string;
  verifyUpstream: boolean;
  keylog?: string;
  events?: boolean;
  allowRemote?: boolean;
  onlyIfUpstreamValid?: boolean;
  helloTimeout?: string;
  upstreamTimeout?: string;
  handshakeTimeout?: string;
  headTimeout?: string;
  idleTimeout?: string;
  connectionTimeout?: string;
}

function timeoutOptions(flags: ProxyFlags): Partial<EngineOptions> {
  const options: Partial<Record<(typeof TIMEOUT_FLAGS)[number]['option'], number>> = {};
  for (const { flag, option } of TIMEOUT_FLAGS) {
    const key = flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) as keyof ProxyFlags;
    const value = flags[key];
    if (typeof value === 'string') options[option] = parseTimeoutMs(value, flag);
  }
  return options;
}

const REQUIRED = [
  ['ca', '--ca DIR'],
  ['profile', `--profile ${PROFILE_NAMES.join('|')}`],
  ['listen', '--listen HOST:PORT'],
] as const;

/** Every missing required option in one line, so a user fixes the command once. */
function withRequired(flags: Partial<ProxyFlags>): ProxyFlags {
  const missing = REQUIRED.filter(([key]) => flags[key] === undefined).map(([, usage]) => usage);
  if (missing.length > 0) throw new UserError(`proxy: missing ${missing.join(', ')}`);
  return flags as ProxyFlags;
}

export function registerProxyCommand(program: Command): void {
  const command = program
    .command('proxy')
    .description('run the interception engine (Ctrl-C stops it)')
    // required, but checked together in the action: commander names only the first one missing
    .option('--ca <dir>', 'required: authority directory (from `tlslab ca create`, or a mitmproxy confdir with mitmproxy-ca.pem)')
    .addOption(new Option('--profile <name>', 'required: forging profile').choices(PROFILE_NAMES))
    .option('--listen <host:port>', 'required: address to listen on (loopback unless --allow-remote)')
    .addOption(new Option('--mode <door>', 'front door').choices(['connect', 'sni']).default('connect'))
    .option('--targets <list|file|*>', `intercepted names: ${TARGET_LIST_NAMES.join(', ')}, a file (one name a line) or * for every name`, 'kz-2019')
    .option('--map <name=host:port>', 'where a name really lives (repeatable; `*=HOST:PORT` is the default)', collect)
    .option('--upstream-ca <file>', 'PEM anchors the origins are verified against')
    .option('--no-verify-upstream', 'do not verify origins (a "laundering" middlebox)')
    .option('--only-if-upstream-valid', '2019 trigger: intercept only when the origin shows a valid certificate')
    .option('--keylog <file>', 'SSLKEYLOGFILE-format key log for both legs, mode 0600 (default: $SSLKEYLOGFILE when set)')
    .option('--events', 'print one JSON line per engine event on stdout')
    .option('--allow-remote', 'allow a non-loopback listen address');
  for (const { phase, flag, what } of TIMEOUT_FLAGS) command.option(`--${flag} <ms>`, `${what} (default ${DEFAULT_TIMEOUTS[phase]})`);
  command.action(async (given: Partial<ProxyFlags>) => {
    const flags = withRequired(given);
    const listen = parseHostPort(flags.listen, '--listen');
    const timeouts = timeoutOptions(flags);
    if (!isLoopback(listen.host) && !flags.allowRemote) {
      throw new UserError(`--listen ${flags.listen} is not a loopback address; add --allow-remote to listen there`);
    }
    const map = parseMap(flags.map ?? []);
    const targets = targetPolicyFrom(flags.targets);
    const upstream: UpstreamPolicy = { verify: flags.verifyUpstream };
    if (flags.upstreamCa) {
      if (!flags.verifyUpstream) throw new UserError('--upstream-ca and --no-verify-upstream contradict each other');
      const text = await readFile(flags.upstreamCa, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new UserError(`cannot read --upstream-ca ${flags.upstreamCa}: ${err.code ?? err.message}`);
      });
      let certificates: unknown[];
      try {
        certificates = parseCertificates(text);
      } catch (err) {
        throw new UserError(`--upstream-ca ${flags.upstreamCa}: ${(err as Error).message}`);
      }
      if (certificates.length === 0) throw new UserError(`--upstream-ca ${flags.upstreamCa} holds no certificate`);
      upstream.caPem = [text];
    }
    if (flags.onlyIfUpstreamValid) upstream.interceptOnlyIfUpstreamValid = true;
    const authority = await loadAuthority(flags.ca);
    // the variable browsers, curl and Node read: one file can then decrypt both legs and the client's own view
    const keylog = flags.keylog ?? (process.env.SSLKEYLOGFILE || undefined);
    const forger = await createForger(authority, flags.profile);
    const fallback = map.get('*');
    const engine = await startEngine({
      listen,
      mode: flags.mode,
      targets,
      forger,
      upstream,
      resolve: (name, port) => map.get(name.toLowerCase()) ?? (fallback ? { host: fallback.host, port: fallback.port || port } : undefined),
      ...(keylog ? { keylogFile: keylog } : {}),
      ...timeouts,
    });
    if (flags.events) engine.on('event', (event: EngineEvent) => process.stdout.write(JSON.stringify(event) + '\n'));
    // a bug in the engine is reported (an engine-bug line among the events too) and the proxy keeps serving
    installLastResortGuard((bug) => {
      reportOnStderr(bug);
      if (flags.events) process.stdout.write(JSON.stringify(bug) + '\n');
    });
    process.stderr.write(`tlslab proxy: ${flags.mode} door on ${engine.address.host}:${engine.address.port}, profile ${forger.profile}, ${targets.wildcard ? 'every name' : `${targets.names.size} target names`}${keylog ? `, key log ${keylog}` : ''}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await engine.close();
  });
}
