/**
 * What the gateway container forwards, in its own netfilter tables: clients to the origins' port
 * (the untargeted flows, which the box lets through untouched, and the TTL probes) and the answers
 * (ICMP errors included, as related). Everything else that would cross the box is dropped.
 */
export function forwardRuleset(inside: string, outside: string, port: number): string {
  return [
    'table ip tlslab-forward {',
    '  chain forward {',
    '    type filter hook forward priority filter; policy drop;',
    '    ct state established,related accept',
    `    iifname ${JSON.stringify(inside)} oifname ${JSON.stringify(outside)} tcp dport ${port} accept`,
    '  }',
    '}',
    '',
  ].join('\n');
}
