/**
 * Transparent interception on the gateway (netns.md §4-5), as nft rulesets. Everything lives in
 * the gateway's own netfilter tables; the host's are never touched.
 *
 * - redirect: NAT to a local port; the engine recovers the original destination from conntrack.
 * - tproxy: no NAT; the accepted socket's local address is the original destination, but the
 *   listener needs IP_TRANSPARENT (see tproxy-listen.py) and a local route for marked packets.
 * Selection: every :443 flow (the engine then chooses by SNI and splices the rest, so TCP is
 * terminated even for pass-through), or only flows to a set of destination addresses, so
 * untargeted traffic is forwarded untouched and the origin sees the client's own address.
 */
export type InterceptionMethod = 'redirect' | 'tproxy';

export type Selection = { kind: 'all' } | { kind: 'destinations'; addresses: readonly string[] };

export interface InterceptionRuleOptions {
  method: InterceptionMethod;
  /** local port the engine listens on */
  port: number;
  /** gateway interfaces facing the clients */
  inside: readonly string[];
  selection: Selection;
  /** destination port intercepted (443) */
  servicePort?: number;
}

export const TABLE = 'tlslab';
export const TPROXY_MARK = 1;
export const TPROXY_TABLE = 100;

export function interceptionRuleset(o: InterceptionRuleOptions): string {
  if (o.inside.length === 0) throw new Error('interception needs at least one client-facing interface');
  const ifaces = `{ ${o.inside.map((i) => JSON.stringify(i)).join(', ')} }`;
  const dport = o.servicePort ?? 443;
  const lines = [`table ip ${TABLE} {`];
  let match = `iifname ${ifaces} tcp dport ${dport}`;
  if (o.selection.kind === 'destinations') {
    if (o.selection.addresses.length === 0) throw new Error('destination selection needs at least one address');
    lines.push(`  set intercept_dst { type ipv4_addr; elements = { ${o.selection.addresses.join(', ')} } }`);
    match += ' ip daddr @intercept_dst';
  }
  if (o.method === 'redirect') {
    lines.push('  chain pre {', '    type nat hook prerouting priority dstnat; policy accept;', `    ${match} redirect to :${o.port}`, '  }');
  } else {
    lines.push(
      '  chain pre {',
      '    type filter hook prerouting priority mangle; policy accept;',
      // packets of an accepted connection go straight to its transparent socket
      `    iifname ${ifaces} meta l4proto tcp socket transparent 1 meta mark set ${TPROXY_MARK} accept`,
      `    ${match} tproxy to :${o.port} meta mark set ${TPROXY_MARK} accept`,
      '  }',
    );
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** policy routing that delivers TPROXY-marked packets locally; scoped to the lab range */
export function tproxyRoutingCommands(ns: string, labCidr: string): string[][] {
  return [
    ['ip', '-n', ns, 'rule', 'add', 'fwmark', String(TPROXY_MARK), 'lookup', String(TPROXY_TABLE)],
    ['ip', '-n', ns, 'route', 'add', 'local', labCidr, 'dev', 'lo', 'table', String(TPROXY_TABLE)],
  ];
}
