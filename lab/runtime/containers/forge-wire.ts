/** What crosses the forge socket between the lab (which holds the Forger) and the gateway container. */
export const FORGE_PATH = '/forge';

export interface ForgeWireRequest {
  sni: string;
  /** base64 DER of the upstream leaf, when the engine fetched it first */
  upstreamDer?: string;
}

export interface ForgeWireReply {
  chainPem: string;
  keyPem: string;
  leafSpkiSha256: string;
  cached: boolean;
}

export interface ForgeWireError {
  error: string;
}
