/**
 * Proof that the lab is sealed: no namespace holds a route that leads outside the lab range,
 * checked from the routing tables (no packet is sent anywhere).
 */
import type { Holder } from './holder.ts';
import { routeStaysInLab, type LabRange } from './address-plan.ts';

export interface RouteViolation {
  namespace: string;
  route: string;
}

export async function findRoutesOutOfLab(holder: Holder, namespaces: readonly string[], range: LabRange): Promise<RouteViolation[]> {
  // one holder round trip for all namespaces: "@ns" marker lines, then that namespace's routes
  const script = namespaces
    .map((ns) => `echo "@${ns} 4"; ip -n ${ns} -4 route show table main; echo "@${ns} 6"; ip -n ${ns} -6 route show table all`)
    .join('\n');
  const r = await holder.runInHolder(['sh', '-ec', script]);
  const violations: RouteViolation[] = [];
  let current = { ns: '', family: '4' };
  for (const line of r.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const marker = /^@(\S+) ([46])$/.exec(line);
    if (marker) {
      current = { ns: marker[1]!, family: marker[2]! };
      continue;
    }
    if (current.family === '6') violations.push({ namespace: current.ns, route: `ipv6: ${line}` });
    else if (!routeStaysInLab(range, line.split(/\s+/)[0]!)) violations.push({ namespace: current.ns, route: line });
  }
  return violations;
}

export async function assertSealed(holder: Holder, namespaces: readonly string[], range: LabRange): Promise<void> {
  const v = await findRoutesOutOfLab(holder, namespaces, range);
  if (v.length > 0) {
    throw new Error(`lab is not sealed; routes leading out of ${range.cidr}:\n` + v.map((x) => `  ${x.namespace}: ${x.route}`).join('\n'));
  }
}
