/** A CA minted for one peer run, written in the layouts the peers read. */
import { writeFileSync } from 'node:fs';
import { createAuthority } from '../../lab/ca/index.ts';
import type { OriginKeyType } from './types.ts';
import type { PeerWorkspace } from './workspace.ts';

export interface PeerCa {
  certPem: string;
  certFile: string;
  keyFile: string;
  /** key then certificate in one file, the layout mitmproxy and squid read */
  keyAndCertFile: string;
}

export async function mintPeerCa(workspace: PeerWorkspace, peerName: string, keyType: OriginKeyType): Promise<PeerCa> {
  const authority = await createAuthority('generic', {
    generic: { subject: `CN=Bench Peer CA (${peerName}), O=TLS Interception Lab, C=XX`, keyType, validityDays: 2 },
  });
  const ca: PeerCa = {
    certPem: authority.root.certPem,
    certFile: workspace.file('ca.pem'),
    keyFile: workspace.file('ca.key'),
    keyAndCertFile: workspace.file('ca-key-and-cert.pem'),
  };
  writeFileSync(ca.certFile, ca.certPem);
  writeFileSync(ca.keyFile, authority.root.keyPem, { mode: 0o600 });
  writeFileSync(ca.keyAndCertFile, authority.root.keyPem + ca.certPem, { mode: 0o600 });
  return ca;
}
