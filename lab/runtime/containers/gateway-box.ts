/**
 * A box the lab did not write (mitmproxy, sslsplit, squid), transparently in the gateway container;
 * lab/runtime/foreign-gateway.ts does what every runtime does alike. Here: the box's files live in
 * a lab temp dir the gateway mounts at the same path; its processes start through the process
 * agent gateway-main serves there (client-agent.py, the client containers' own agent), so they run
 * in the container's namespaces and die with it; the redirect of every client :443 flow goes into
 * the container's own netfilter tables.
 */
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../types.ts';
import { foreignBoxPolicy, startForeignGateway } from '../foreign-gateway.ts';
import { interceptionRuleset } from '../netns/interception-rules.ts';
import { runChecked, spawnDaemon } from '../netns/process.ts';
import { createLabTempDir, registerDir, removeRegisteredDir } from '../registry/run.ts';
import { containerLauncher } from './client-launcher.ts';

const ORIGIN_PORT = 443;

export interface GatewayBoxDir {
  /** the host dir the gateway mounts at the same path */
  dir: string;
  /** the process agent's socket in it */
  agentSocket: string;
  remove(): void;
}

/** made before the gateway container starts: a bind mount's source must exist */
export function gatewayBoxDir(): GatewayBoxDir {
  const dir = createLabTempDir('tlslab-gwbox-', 'containers gateway box dir');
  // a box that drops to its own user (squid: proxy) must pass through to its own dir in here
  chmodSync(dir, 0o711);
  return { dir, agentSocket: join(dir, 'agent.sock'), remove: () => removeRegisteredDir(dir) };
}

/**
 * Starts the topology's box in the gateway once it listens (`inside`: its interface facing the
 * clients), sites at their origin containers' addresses; `close` stops it.
 */
export function startGatewayBox(topology: Topology, box: GatewayBoxDir, inside: string, originIps: ReadonlyMap<string, string>): ReturnType<typeof startForeignGateway> {
  const launcher = containerLauncher({ agentSocket: box.agentSocket, sharedDir: box.dir, home: box.dir, where: 'the gateway container' });
  const policy = foreignBoxPolicy(topology, (name) => {
    const ip = originIps.get(name.toLowerCase());
    return ip === undefined ? undefined : { host: ip, port: ORIGIN_PORT };
  });
  // the policy's one file (the anchors a box verifies origins with) must be where the gateway sees it
  const upstreamCaFile = join(box.dir, 'upstream-ca.pem');
  copyFileSync(policy.upstreamCaFile, upstreamCaFile);
  return startForeignGateway(
    {
      workDir: box.dir,
      spawn: (argv, env) => spawnDaemon(launcher.wrap(argv, env)),
      run: (argv, input) => runChecked(launcher.wrap(argv, {}), input === undefined ? {} : { input }),
      userDir(prefix, what) {
        const dir = mkdtempSync(join(box.dir, prefix));
        registerDir(dir, what);
        return dir;
      },
      redirectAll: (port) => runChecked(launcher.wrap(['nft', '-f', '-'], {}), { input: interceptionRuleset({ method: 'redirect', port, inside: [inside], selection: { kind: 'all' } }) }).then(() => undefined),
    },
    topology.box!.interceptor,
    { ...policy, upstreamCaFile },
  );
}
