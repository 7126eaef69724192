import { GenericContainer } from 'testcontainers';
import { callEngine, type EngineEndpoint } from './engine-api.ts';
import type { LabNetwork } from './networks.ts';

/**
 * GenericContainer with what testcontainers 11 lacks for the lab: a resolver of our choosing,
 * sysctls, and extra networks joined before start. Networks are never given as aliases: testcontainers then
 * creates the container on the default bridge first, which has NAT to the outside.
 */
export class LabContainer extends GenericContainer {
  private extraNetworks: LabNetwork[] = [];
  private endpoint: EngineEndpoint | undefined;

  withDns(servers: string[]): this {
    this.hostConfig.Dns = servers;
    return this;
  }

  /** namespaced sysctls of the container's own (network) namespace, never the host's */
  withSysctls(sysctls: Record<string, string>): this {
    this.hostConfig.Sysctls = { ...this.hostConfig.Sysctls, ...sysctls };
    return this;
  }

  withExtraNetworks(endpoint: EngineEndpoint, networks: LabNetwork[]): this {
    this.endpoint = endpoint;
    this.extraNetworks = networks;
    return this;
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    for (const network of this.extraNetworks) {
      const res = await callEngine(this.endpoint!, 'POST', `/networks/${network.id}/connect`, 15_000, { Container: containerId });
      if (res.status >= 300) throw new Error(`connect ${containerId.slice(0, 12)} to ${network.name}: HTTP ${res.status} ${res.body.trim()}`);
    }
  }
}

/** Splits a container's log stream into JSON lines; other lines (stderr, stack traces) go to onOther. */
export function jsonLines(onLine: (value: unknown) => void, onOther: (line: string) => void = () => {}): (stream: NodeJS.ReadableStream) => void {
  return (stream) => {
    let rest = '';
    stream.on('data', (chunk: Buffer | string) => {
      rest += chunk.toString();
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl).trim();
        rest = rest.slice(nl + 1);
        if (!line) continue;
        let value: unknown;
        try {
          value = line.startsWith('{') ? JSON.parse(line) : undefined;
        } catch {
          value = undefined;
        }
        if (value === undefined) onOther(line);
        else onLine(value);
      }
    });
  };
}
