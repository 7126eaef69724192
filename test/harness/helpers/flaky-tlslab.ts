/**
 * The real CLI with a test-only client plug-in: every lab client, but each site's first visit is
 * sent to a closed loopback port (a real connection refused, from the real client), so with
 * --retries the retry passes and the cell is flaky. Sites named in TLSLAB_TEST_FAIL_EVERY_TRY are
 * sent there on every try: they fail all attempts. With TLSLAB_TEST_FAIL_FIRST_SETUP=1 the first
 * client set-up of the run throws (as a browser that did not start would).
 * Usage: tsx test/harness/helpers/flaky-tlslab.ts run … (as tlslab).
 */
import { createServer } from 'node:net';
import { main } from '../../../harness/cli.ts';
import { labClients } from '../../../harness/runner/lab-catalogue.ts';
import type { ClientSource } from '../../../harness/runner/run-scenario.ts';
import type { ClientShim } from '../../../lab/clients/types.ts';

/** A port that was free a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const port = await closedPort();
const failEveryTry = new Set((process.env.TLSLAB_TEST_FAIL_EVERY_TRY ?? '').split(',').filter(Boolean));
const lab = labClients();
let setupsToFail = process.env.TLSLAB_TEST_FAIL_FIRST_SETUP === '1' ? 1 : 0;

function flakyOnFirstTry(shim: ClientShim): ClientShim {
  return {
    ...shim,
    async prepare(state, workDir, options) {
      if (setupsToFail > 0) {
        setupsToFail--;
        throw new Error(`${shim.name} did not start (test plug-in)`);
      }
      const session = await shim.prepare(state, workDir, options);
      const visited = new Set<string>();
      return {
        visit: (target) => {
          const sabotage = !visited.has(target.site) || failEveryTry.has(target.site);
          visited.add(target.site);
          return session.visit(sabotage ? { ...target, route: { ...target.route, host: '127.0.0.1', port } } : target);
        },
        close: () => session.close(),
      };
    },
  };
}

const clients: ClientSource = {
  shim: (name) => {
    const shim = lab.shim(name);
    return shim && flakyOnFirstTry(shim);
  },
  availability: (name) => lab.availability(name),
};

process.exit(await main(process.argv, { clients }));
