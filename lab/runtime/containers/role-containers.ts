/** How each role's container is started: image, network, capabilities, config, readiness. */
import { Wait, type StartedTestContainer } from 'testcontainers';
import type { OriginSpec } from '../types.ts';
import type { EngineEndpoint } from './engine-api.ts';
import { LabContainer, jsonLines } from './lab-container.ts';
import type { LabNetwork } from './networks.ts';
import { FORGE_MOUNT, GATEWAY_CONFIG_PATH, type GatewayConfig, type GatewayLine } from './roles/gateway-config.ts';

export const ORIGIN_PORT = 443;
const ORIGIN_CONFIG_PATH = '/etc/tlslab/origin.json';
const STARTUP_TIMEOUT_MS = 30_000;
const KEPT_GATEWAY_LINES = 50;

export interface RoleContext {
  runId: string;
  labels: Record<string, string>;
}

/** Where an origin container finds the lab's report socket (a bind mount of the reports dir). */
const REPORTS_MOUNT = '/run/tlslab-reports';

/**
 * One site, served by the netns runtime's origin entry point. Its visits and TLS contacts go to
 * the lab's report socket (`reportsDir`, bind-mounted), which the lab can sync with; a container
 * log arrives too late to attribute a cell by.
 */
export function startOriginContainer(ctx: RoleContext, image: string, network: LabNetwork, spec: OriginSpec, reportsDir: string, socketName: string): Promise<StartedTestContainer> {
  const site = spec.name.toLowerCase();
  const config = { name: spec.name, chainPem: spec.chainPem, keyPem: spec.keyPem, host: '0.0.0.0', port: ORIGIN_PORT, reportSocket: `${REPORTS_MOUNT}/${socketName}` };
  return new LabContainer(image)
    .withName(`tlslab-${ctx.runId}-origin-${site.replace(/[^a-z0-9.-]/g, '-')}`)
    .withNetworkMode(network.name)
    .withLabels({ ...ctx.labels, 'tlslab.role': 'origin', 'tlslab.site': site })
    .withBindMounts([{ source: reportsDir, target: REPORTS_MOUNT, mode: 'rw' }])
    .withCopyContentToContainer([{ content: JSON.stringify(config), target: ORIGIN_CONFIG_PATH }])
    .withCommand([ORIGIN_CONFIG_PATH])
    .withWaitStrategy(Wait.forLogMessage('"type":"listening"'))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
}

/** dnsmasq answering exactly the scenario's names with their origins' addresses. */
export function startDnsContainer(ctx: RoleContext, image: string, network: LabNetwork, sites: Map<string, string>): Promise<StartedTestContainer> {
  return new LabContainer(image)
    .withName(`tlslab-${ctx.runId}-dns`)
    .withNetworkMode(network.name)
    .withLabels({ ...ctx.labels, 'tlslab.role': 'dns' })
    .withCommand([...sites].map(([site, ip]) => `--address=/${site}/${ip}`))
    .withWaitStrategy(Wait.forLogMessage(/started, version/))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
}

export interface GatewayStart {
  endpoint: EngineEndpoint;
  inside: LabNetwork;
  outside: LabNetwork;
  forgeDir: string;
  config: GatewayConfig;
  /** the gateway's non-JSON output (stderr, stack traces), for error messages */
  errors: string[];
}

export function startGatewayContainer(ctx: RoleContext, image: string, g: GatewayStart): Promise<StartedTestContainer> {
  const keep = (line: string): void => {
    if (g.errors.push(line) > KEPT_GATEWAY_LINES) g.errors.shift();
  };
  return new LabContainer(image)
    .withName(`tlslab-${ctx.runId}-gateway`)
    .withNetworkMode(g.inside.name)
    .withExtraNetworks(g.endpoint, [g.outside])
    .withLabels({ ...ctx.labels, 'tlslab.role': 'gateway' })
    .withAddedCapabilities('NET_ADMIN')
    .withBindMounts([{ source: g.forgeDir, target: FORGE_MOUNT, mode: 'rw' }])
    .withCopyContentToContainer([{ content: JSON.stringify(g.config), target: GATEWAY_CONFIG_PATH }])
    .withCommand([GATEWAY_CONFIG_PATH])
    .withLogConsumer(
      jsonLines((line) => {
        const l = line as GatewayLine;
        if (l.type === 'error') keep(l.message);
      }, keep),
    )
    .withWaitStrategy(Wait.forLogMessage('"type":"listening"'))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
}

/** Idle until the lab execs into it; resolves names with the lab DNS only. No capabilities. */
export function startClientContainer(ctx: RoleContext, image: string, network: LabNetwork, dnsIp: string): Promise<StartedTestContainer> {
  return new LabContainer(image)
    .withName(`tlslab-${ctx.runId}-client`)
    .withNetworkMode(network.name)
    .withDns([dnsIp])
    .withLabels({ ...ctx.labels, 'tlslab.role': 'client' })
    .withWaitStrategy(Wait.forLogMessage('tlslab-client ready'))
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .start();
}
