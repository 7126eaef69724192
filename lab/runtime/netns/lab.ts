/**
 * A running netns lab: holder + topology + per-host /etc + lab DNS. Every command runs inside
 * one of this lab's namespaces; there is no way to run one on the host through this object.
 */
import type { ChildProcess } from 'node:child_process';
import { Holder, type HolderOptions } from './holder.ts';
import { planTopology, hostPlan, type TopologyPlan, type TopologySpec } from './topology.ts';
import { buildTopology } from './build.ts';
import { writeHostsAndResolver } from './etc-files.ts';
import { startLabDns } from './dns.ts';
import { assertSealed } from './safety.ts';
import { endProcesses, processesInNamespaces } from './sweep.ts';
import { stopProcess, type CommandResult, type DaemonOptions, type RunOptions } from './process.ts';

export interface LabTimings {
  holderMs: number;
  buildMs: number;
  dnsMs: number;
  totalUpMs: number;
  downMs?: number;
}

export class NetnsLab {
  readonly holder: Holder;
  readonly plan: TopologyPlan;
  readonly timings: LabTimings;
  private readonly daemons = new Set<ChildProcess>();

  private constructor(holder: Holder, plan: TopologyPlan, timings: LabTimings) {
    this.holder = holder;
    this.plan = plan;
    this.timings = timings;
  }

  static async up(spec: TopologySpec, options: HolderOptions & { dns?: boolean } = {}): Promise<NetnsLab> {
    const plan = planTopology(spec);
    const t0 = performance.now();
    const holder = await Holder.start(options);
    const t1 = performance.now();
    const lab = new NetnsLab(holder, plan, { holderMs: t1 - t0, buildMs: 0, dnsMs: 0, totalUpMs: 0 });
    try {
      await buildTopology(holder, plan);
      await assertSealed(holder, lab.namespaces(), plan.range);
      for (const h of plan.hosts) writeHostsAndResolver(holder, lab.ns(h.name), h.name, h.role === 'dns' ? undefined : plan.dnsAddress);
      const t2 = performance.now();
      lab.timings.buildMs = t2 - t1;
      if (options.dns !== false) {
        lab.track(await startLabDns(holder, lab.ns(plan.dns), plan.dnsAddress, plan.siteAddresses));
      }
      lab.timings.dnsMs = performance.now() - t2;
      lab.timings.totalUpMs = performance.now() - t0;
      return lab;
    } catch (err) {
      await lab.down();
      throw err;
    }
  }

  ns(host: string): string {
    hostPlan(this.plan, host);
    return this.holder.namespaceName(host);
  }

  namespaces(): string[] {
    return this.plan.hosts.map((h) => this.holder.namespaceName(h.name));
  }

  hop(host: string): number {
    return hostPlan(this.plan, host).hop;
  }

  address(host: string, peer?: string): string {
    const h = hostPlan(this.plan, host);
    const i = peer ? h.interfaces.find((x) => x.peerHost === peer) : h.interfaces[0];
    if (!i) throw new Error(`${host} has no interface${peer ? ` towards ${peer}` : ''}`);
    return i.address;
  }

  run(host: string, argv: readonly string[], options: RunOptions & { env?: Record<string, string>; check?: boolean } = {}): Promise<CommandResult> {
    return this.holder.runIn(this.ns(host), argv, options);
  }

  spawn(host: string, argv: readonly string[], env: Record<string, string> = {}, options: DaemonOptions = {}): ChildProcess {
    return this.track(this.holder.spawnIn(this.ns(host), argv, env, options));
  }

  track(child: ChildProcess): ChildProcess {
    this.daemons.add(child);
    child.once('exit', () => this.daemons.delete(child));
    return child;
  }

  async down(): Promise<void> {
    const t0 = performance.now();
    await Promise.all([...this.daemons].map((d) => stopProcess(d, 500)));
    // anything a daemon forked (and so escaped its parent-death signal) is found by inode
    const inodes = new Set(Object.values(this.holder.namespaces()).filter((i) => i > 0));
    await endProcesses(processesInNamespaces(inodes), 500);
    await this.holder.stop();
    this.timings.downMs = performance.now() - t0;
  }
}
