/**
 * startEngine: front doors (one to start with, more through openDoor) sharing one policy, upstream
 * connector, key log, HTTP layer and connection-id space. Every socket the engine creates is
 * tracked so close() leaves nothing behind.
 */
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { EngineEventBus } from './events.ts';
import { openKeyLog } from './keylog.ts';
import { UpstreamConnector } from './upstream.ts';
import { UpstreamFingerprints } from './upstream-fingerprint.ts';
import { HttpLayer } from './http-layer.ts';
import { ConnectionState } from './connection.ts';
import { serveTls, type FrontContext, type Locate } from './tls-front.ts';
import { resolveTimeouts, timeoutError } from './timeouts.ts';
import { CONNECT_ESTABLISHED, readConnectRequest, refuseConnect } from './doors/connect.ts';
import { sniLocator } from './doors/sni.ts';
import { transparentLocator } from './doors/transparent.ts';
import { defaultOriginalDestination } from './original-destination.ts';
import type { EngineEvent, EngineEventType, EngineOptions, FrontDoor, OriginalDestinationLookup } from './types.ts';

export interface DoorAddress {
  host: string;
  port: number;
}

export interface Engine {
  /** the first door's address (the one EngineOptions.listen asked for) */
  readonly address: DoorAddress;
  on(type: 'event', listener: (event: EngineEvent) => void): this;
  on<T extends EngineEventType>(type: T, listener: (event: Extract<EngineEvent, { type: T }>) => void): this;
  off(type: string, listener: (...args: never[]) => void): this;
  once(type: string, listener: (...args: never[]) => void): this;
  /**
   * Another front door into the same engine: one policy, forger, upstream pool, key log and
   * connection-id space, so a connection id names one connection whichever door it came through.
   */
  openDoor(door: { listen: DoorAddress; mode: FrontDoor }): Promise<DoorAddress>;
  /** sockets currently open (client, upstream, pooled); 0 after close() */
  openSockets(): number;
  close(): Promise<void>;
}

function hostPort(address: string | undefined, port: number | undefined): string {
  const host = address ?? '';
  return `${host.includes(':') ? `[${host}]` : host}:${port ?? 0}`;
}

export async function startEngine(options: EngineOptions): Promise<Engine> {
  const timeouts = resolveTimeouts(options);
  const bus = new EngineEventBus();
  const sockets = new Set<net.Socket>();
  const servers: net.Server[] = [];
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const keylog = openKeyLog(options.keylogFile, options.onKeylog);
  const upstream = new UpstreamConnector(options.upstream, keylog, (s: tls.TLSSocket) => track(s), timeouts.upstream);
  const publish = bus.publish.bind(bus);
  const http =
    options.httpLayer === false
      ? undefined
      : new HttpLayer({ upstream, policy: options.upstream, publish, timeouts, ...(options.injectHtml !== undefined ? { injectHtml: options.injectHtml } : {}) });
  const front: FrontContext = {
    options,
    timeouts,
    publish,
    upstream,
    fingerprints: new UpstreamFingerprints(),
    keylog,
    http,
    track,
    secureContexts: new Map(),
  };

  async function accept(socket: net.Socket, state: ConnectionState, mode: FrontDoor, lookup: () => OriginalDestinationLookup): Promise<void> {
    let locate: Locate;
    let initial: Buffer = Buffer.alloc(0);
    if (mode === 'connect') {
      const request = await readConnectRequest(socket, timeouts.requestHead);
      if (!request.ok) {
        if (!request.closed) publish(state.conn, { type: 'decision', action: 'reject', reason: request.reason });
        publish(state.conn, {
          type: 'handshake-failed',
          side: 'client',
          cause: request.closed ? 'closed' : request.status === 408 ? 'timeout' : 'protocol',
          message: `CONNECT: ${request.reason}`,
        });
        state.error = request.status === 408 ? timeoutError('requestHead', timeouts.requestHead, 'no complete CONNECT request') : `CONNECT: ${request.reason}`;
        refuseConnect(socket, request.status);
        return;
      }
      const target = request.target;
      publish(state.conn, { type: 'tunnel', target: hostPort(target.host, target.port) });
      socket.write(CONNECT_ESTABLISHED);
      initial = request.rest;
      // with a lab resolver, a name the lab does not serve is refused: falling back to the real
      // name would send a browser's background request (accounts.google.com) off the machine
      locate = async () => (options.resolve ? (options.resolve(target.host, target.port) ?? 'unresolved-name') : target);
    } else if (mode === 'sni') {
      locate = sniLocator(socket, options.resolve);
    } else {
      locate = transparentLocator(socket, lookup());
    }
    await serveTls(front, socket, state, initial, locate);
  }

  async function listen(door: { listen: DoorAddress; mode: FrontDoor }): Promise<DoorAddress> {
    let listenPort = door.listen.port;
    const lookup = () => options.originalDestination ?? defaultOriginalDestination(listenPort);
    const server = net.createServer({ noDelay: true }, (socket) => {
      track(socket);
      const state = new ConnectionState(bus.nextConnectionId());
      state.own(socket);
      // the last bound: whatever a connection is doing, it ends here
      const lifetime = setTimeout(() => state.abort(timeoutError('connection', timeouts.connection, 'connection not finished')), timeouts.connection);
      publish(state.conn, {
        type: 'accepted',
        door: door.mode,
        local: hostPort(socket.localAddress, socket.localPort),
        remote: hostPort(socket.remoteAddress, socket.remotePort),
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        state.error ??= `client: ${err.code ?? err.message}`;
      });
      socket.once('close', () => {
        clearTimeout(lifetime);
        // after the close handlers of the TLS wrapper and relay have recorded their errors
        setImmediate(() =>
          publish(state.conn, {
            type: 'closed',
            bytesFromClient: socket.bytesRead,
            bytesToClient: socket.bytesWritten,
            durationMs: Date.now() - state.started,
            ...(state.error ? { error: state.error } : {}),
          }),
        );
      });
      void accept(socket, state, door.mode, lookup).catch((err: Error) => {
        state.error ??= `engine: ${err.message}`;
        socket.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(door.listen.port, door.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    servers.push(server);
    const bound = server.address() as net.AddressInfo;
    listenPort = bound.port;
    // a transient accept error (EMFILE) must not kill the process
    server.on('error', () => {});
    return { host: bound.address, port: bound.port };
  }

  const first = await listen({ listen: options.listen, mode: options.mode });

  let closing: Promise<void> | undefined;
  const engine = Object.assign(bus, {
    address: first,
    openDoor: (door: { listen: DoorAddress; mode: FrontDoor }) => {
      if (closing) return Promise.reject(new Error('the engine is closed'));
      return listen(door);
    },
    openSockets: () => sockets.size,
    close(): Promise<void> {
      closing ??= (async () => {
        const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
        for (const socket of sockets) socket.destroy();
        await http?.close();
        // 'close' follows destroy() within a tick or two, and leaves the set; a pool may still have
        // been dialling, so repeat until nothing is left: openSockets() is 0 once close() resolves
        while (sockets.size > 0) {
          await Promise.all(
            [...sockets].map((socket) => {
              const gone = new Promise((resolve) => socket.once('close', resolve));
              socket.destroy();
              return gone;
            }),
          );
        }
        await closed;
        await keylog.close();
        upstream.forget();
      })();
      return closing;
    },
  });
  return engine as unknown as Engine;
}
