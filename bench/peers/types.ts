/**
 * What the bench needs from an interceptor it did not write: start it against one origin, learn
 * where to send clients and which CA they must trust, stop it with nothing left behind.
 */
export type OriginKeyType = 'rsa2048' | 'ecdsa-p256';

/**
 * connect: an explicit proxy, clients send CONNECT name:port first.
 * sni: clients dial the listener and speak TLS at once (sslsplit has no CONNECT mode).
 */
export type Door = 'connect' | 'sni';

export interface PeerOptions {
  /** the bench origin on 127.0.0.1; the peer must reach every name there */
  originPort: number;
  /** PEM file of the root the origin's chains lead to (the peer's upstream trust) */
  upstreamCaFile: string;
  /** key type of the origin's leaves, for peers whose leaf key type is a setting */
  originKeyType: OriginKeyType;
  /** every name clients will ask for, for peers that resolve names themselves (squid's hosts_file) */
  hostNames: string[];
}

export interface RunningPeer {
  /** listening on 127.0.0.1 */
  port: number;
  /** the process whose peak RSS is reported */
  pid: number;
  /** the root the peer's forged leaves chain to: load clients trust this and nothing else */
  caPem: string;
  /** kills the peer (and its helpers) and removes its temp dir with its CA */
  stop(): Promise<void>;
}

export interface Peer {
  name: string;
  door: Door;
  /** how the row was configured, printed under the table */
  settings: string;
  /** undefined when runnable; else why not (e.g. which package to install) */
  missing(): string | undefined;
  start(options: PeerOptions): Promise<RunningPeer>;
}
