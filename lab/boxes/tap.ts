/**
 * The lab's tap in front of a box it did not write. A box reports nothing the lab can attribute,
 * so each lane's door is a tap: it accepts the client's connection (its address names the lane),
 * reads what the client sends first (the CONNECT line, the ClientHello and its SNI) and records it
 * as the engine would, hands the connection to the box (through the box's CONNECT door, or the
 * box's listener for that site), then relays the bytes untouched both ways while reading the
 * box's first flight (its ServerHello; its chain where TLS 1.2 sends it in the clear).
 */
import * as net from 'node:net';
import { frameClientHello, parseClientHello } from '../proxy/client-hello.ts';
import { CONNECT_ESTABLISHED, readConnectRequest, refuseConnect } from '../proxy/doors/connect.ts';
import type { Destination, FrontDoor } from '../proxy/types.ts';
import type { LabEngineEvent } from '../runtime/types.ts';
import { readServerFlight } from './server-flight.ts';
import type { BoxDoors } from './types.ts';

type Unstamped<E> = E extends LabEngineEvent ? Omit<E, 'conn' | 'time'> : never;

export interface TapOptions {
  listen: Destination;
  door: Exclude<FrontDoor, 'transparent'>;
  box: BoxDoors;
  /** lab-unique connection ids */
  nextConnection(): number;
  publish(event: LabEngineEvent): void;
  /** a site's lab address, for boxes told CONNECT by address (a box that would resolve names itself) */
  resolve(name: string): Destination | undefined;
  /** ms for the client's first bytes and for the box's answer to CONNECT */
  timeoutMs?: number;
}

export interface Tap {
  address: Destination;
  close(): Promise<void>;
}

function hostPort(address: string | undefined, port: number | undefined): string {
  const host = (address ?? '').replace(/^::ffff:/i, '');
  return `${host.includes(':') ? `[${host}]` : host}:${port ?? 0}`;
}

/**
 * Gathers a socket's bytes until `complete` makes a result of them, the socket ends (`ended`) or
 * the time is up (`late`); the socket is paused again, its later bytes left for whoever reads next.
 */
function gather<T>(socket: net.Socket, initial: Buffer, timeoutMs: number, outcome: { complete(data: Buffer): T | undefined; ended(data: Buffer): T; late(data: Buffer): T }): Promise<T> {
  return new Promise((resolve) => {
    let data = initial;
    const done = (result: T) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const result = outcome.complete(data);
      if (result !== undefined) done(result);
    };
    const onEnd = () => done(outcome.ended(data));
    const timer = setTimeout(() => done(outcome.late(data)), timeoutMs);
    const already = initial.length > 0 ? outcome.complete(initial) : undefined;
    if (already !== undefined) return done(already);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.resume();
  });
}

/** Reads until a whole ClientHello is in (or the client stops); the bytes are kept to hand on. */
function readHelloBytes(socket: net.Socket, initial: Buffer, timeoutMs: number): Promise<Buffer> {
  const asIs = (data: Buffer) => data;
  return gather(socket, initial, timeoutMs, { complete: (data) => (frameClientHello(data).state === 'need-more' ? undefined : data), ended: asIs, late: asIs });
}

/** Opens the box's side of a connection for `site:port`: a CONNECT tunnel, or the site's listener. */
async function openBox(box: BoxDoors, site: string, port: number, options: TapOptions): Promise<net.Socket | string> {
  if (box.kind === 'per-site') {
    const listener = box.listeners.get(site.toLowerCase());
    if (!listener) return `the box has no listener for ${site}`;
    return connectTo(listener, options.timeoutMs ?? 10_000);
  }
  // a lab origin listens on its own port whatever port the client dialled (Firefox's MITM priming
  // probe dials 443): the engine routes by name alone, and the box is told the same port
  const origin = options.resolve(site);
  const to = box.connectByAddress ? origin : { host: site, port: origin?.port ?? port };
  if (!to) return `the lab serves no site named ${site}`;
  const socket = await connectTo(box.address, options.timeoutMs ?? 10_000);
  if (typeof socket === 'string') return socket;
  const authority = hostPort(to.host, to.port);
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  const answer = await readResponseHead(socket, options.timeoutMs ?? 10_000);
  if (typeof answer === 'string') return answer;
  const status = answer.head.split('\r\n', 1)[0] ?? '';
  if (!/^HTTP\/1\.[01] 2\d\d/.test(status)) {
    socket.destroy();
    return `the box answered CONNECT with "${status}"`;
  }
  if (answer.rest.length > 0) socket.unshift(answer.rest);
  return socket;
}

function connectTo(to: Destination, timeoutMs: number): Promise<net.Socket | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: to.host, port: to.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`the box did not accept a connection within ${timeoutMs} ms`);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`the box refused the connection (${err.code ?? err.message})`);
    });
  });
}

function readResponseHead(socket: net.Socket, timeoutMs: number): Promise<{ head: string; rest: Buffer } | string> {
  return gather<{ head: string; rest: Buffer } | string>(socket, Buffer.alloc(0), timeoutMs, {
    complete(data) {
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0) return { head: data.subarray(0, end).toString('latin1'), rest: data.subarray(end + 4) };
      return data.length > 16 * 1024 ? 'the box answered CONNECT with an oversized head' : undefined;
    },
    ended: () => 'the box closed the tunnel request without an answer',
    late: () => `the box did not answer CONNECT within ${timeoutMs} ms`,
  });
}

/** Pipes both ways; the box's first bytes are read on the way for its ServerHello and chain. */
function relay(client: net.Socket, box: net.Socket, publish: (event: Unstamped<LabEngineEvent>) => void): void {
  let flight = Buffer.alloc(0);
  let reading = true;
  const onBoxData = (chunk: Buffer) => {
    flight = Buffer.concat([flight, chunk]);
    const read = readServerFlight(flight);
    if (read.done || read.chainPem) {
      if (read.version !== undefined) publish({ type: 'server-hello', ...(read.version && { version: read.version }), ...(read.cipher !== undefined && { cipher: read.cipher }) });
      if (read.chainPem) publish({ type: 'server-certificate', chainPem: read.chainPem });
      reading = false;
      box.off('data', onBoxData);
      flight = Buffer.alloc(0);
    }
  };
  box.on('data', onBoxData);
  const end = () => {
    if (reading) box.off('data', onBoxData);
    client.destroy();
    box.destroy();
  };
  client.on('error', end);
  box.on('error', end);
  client.once('close', () => box.end());
  box.once('close', () => client.end());
  client.pipe(box);
  box.pipe(client);
  client.resume();
  box.resume();
}

export async function startTap(options: TapOptions): Promise<Tap> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    const conn = options.nextConnection();
    const started = Date.now();
    const publish = (event: Unstamped<LabEngineEvent>) => options.publish({ ...event, conn, time: Date.now() } as LabEngineEvent);
    publish({ type: 'accepted', door: options.door, local: hostPort(client.localAddress, client.localPort), remote: hostPort(client.remoteAddress, client.remotePort) });
    client.on('error', () => undefined);
    client.once('close', () =>
      publish({ type: 'closed', bytesFromClient: client.bytesRead, bytesToClient: client.bytesWritten, durationMs: Date.now() - started }),
    );
    void serve(client, publish).catch(() => client.destroy());
  });

  async function serve(client: net.Socket, publish: (event: Unstamped<LabEngineEvent>) => void): Promise<void> {
    let initial: Buffer = Buffer.alloc(0);
    let target: Destination | undefined;
    if (options.door === 'connect') {
      const request = await readConnectRequest(client, timeoutMs);
      if (!request.ok) {
        refuseConnect(client, request.status);
        return;
      }
      target = request.target;
      publish({ type: 'tunnel', target: hostPort(target.host, target.port) });
      client.write(CONNECT_ESTABLISHED);
      initial = request.rest;
    }
    const hello = await readHelloBytes(client, initial, timeoutMs);
    const framing = frameClientHello(hello);
    let sni: string | undefined;
    if (framing.state === 'complete') {
      try {
        const parsed = parseClientHello(framing.handshake);
        sni = parsed.sni;
        publish({
          type: 'client-hello',
          ...(parsed.sni !== undefined && { sni: parsed.sni }),
          ...(parsed.alpn && { alpn: parsed.alpn }),
          ja3: parsed.ja3,
          ja4: parsed.ja4,
          version: parsed.version,
        });
      } catch {
        // not ours to judge: the box gets the bytes as they came
      }
    }
    const site = sni ?? target?.host;
    if (!site) {
      publish({ type: 'box-refused', reason: 'no name to route by: no SNI and no CONNECT target' });
      client.destroy();
      return;
    }
    const port = target?.port ?? client.localPort ?? 443;
    const box = await openBox(options.box, site, port, options);
    if (typeof box === 'string') {
      publish({ type: 'box-refused', reason: box });
      client.destroy();
      return;
    }
    sockets.add(box);
    box.once('close', () => sockets.delete(box));
    if (client.destroyed) {
      box.destroy();
      return;
    }
    box.write(hello);
    relay(client, box, publish);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const bound = server.address() as net.AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
