/** Installs interception rules in the gateway and starts an engine there (plain or TPROXY fd). */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NetnsLab } from './lab.ts';
import { interceptionRuleset, tproxyRoutingCommands, type InterceptionMethod, type Selection } from './interception-rules.ts';
import { waitForListener } from './readiness.ts';

export const TPROXY_LAUNCHER = fileURLToPath(new URL('./tproxy-listen.py', import.meta.url));

export interface GatewayInterception {
  method: InterceptionMethod;
  port: number;
  selection: Selection;
}

export async function installInterception(lab: NetnsLab, o: GatewayInterception): Promise<void> {
  const gw = lab.plan.gateway;
  await lab.run(gw, ['nft', '-f', '-'], {
    input: interceptionRuleset({ method: o.method, port: o.port, inside: lab.plan.gatewayInside, selection: o.selection }),
  });
  if (o.method === 'tproxy') {
    for (const argv of tproxyRoutingCommands(lab.ns(gw), lab.plan.range.cidr)) await lab.holder.runInHolder(argv);
  }
}

/**
 * Starts `engineArgv` in the gateway. With TPROXY the engine inherits an IP_TRANSPARENT
 * listening socket as fd 3 (it must listen on that fd); with redirect it binds `port` itself.
 */
export async function startGatewayEngine(
  lab: NetnsLab,
  o: { method: InterceptionMethod; port: number; engineArgv: readonly string[]; env?: Record<string, string>; stdin?: 'pipe' },
): Promise<ChildProcess> {
  const argv = o.method === 'tproxy' ? ['python3', TPROXY_LAUNCHER, '0.0.0.0', String(o.port), '--', ...o.engineArgv] : [...o.engineArgv];
  const child = lab.spawn(lab.plan.gateway, argv, o.env, o.stdin ? { stdin: o.stdin } : {});
  await waitForListener(lab.holder, lab.ns(lab.plan.gateway), 'tcp', `0.0.0.0:${o.port}`, child, 10_000);
  return child;
}
