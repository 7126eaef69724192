/**
 * Applies a TopologyPlan inside a holder: namespaces, veth pairs created directly in their
 * namespaces (never one in the root namespace), addresses, lab-only routes, and forwarding set
 * explicitly everywhere (netns.md §1: ip_forward is otherwise inherited from the host).
 */
import type { Holder } from './holder.ts';
import type { TopologyPlan } from './topology.ts';

export function buildScript(plan: TopologyPlan, nsName: (host: string) => string): string {
  const lines = ['set -e'];
  for (const h of plan.hosts) {
    const ns = nsName(h.name);
    lines.push(`ip netns add ${ns}`);
    // IPv6 off before any veth exists, so no interface gets even a link-local address
    lines.push(
      `ip netns exec ${ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 ` +
        `net.ipv4.ip_forward=${h.forwarding ? 1 : 0}`,
    );
    lines.push(`ip -n ${ns} link set lo up`);
  }
  for (const l of plan.links) {
    const a = nsName(l.a.host);
    const b = nsName(l.b.host);
    lines.push(`ip link add ${l.a.ifname} netns ${a} type veth peer name ${l.b.ifname} netns ${b}`);
    lines.push(`ip -n ${a} addr add ${l.a.address}/24 dev ${l.a.ifname}`, `ip -n ${a} link set ${l.a.ifname} up`);
    lines.push(`ip -n ${b} addr add ${l.b.address}/24 dev ${l.b.ifname}`, `ip -n ${b} link set ${l.b.ifname} up`);
  }
  for (const h of plan.hosts) {
    for (const r of h.routes) lines.push(`ip -n ${nsName(h.name)} route add ${r.destination} via ${r.via}`);
  }
  return lines.join('\n') + '\n';
}

export async function buildTopology(holder: Holder, plan: TopologyPlan): Promise<void> {
  for (const h of plan.hosts) holder.declareNamespace(holder.namespaceName(h.name));
  await holder.runInHolder(['sh', '-c', buildScript(plan, (h) => holder.namespaceName(h))]);
  for (const h of plan.hosts) holder.registerNamespace(holder.namespaceName(h.name));
}
