/**
 * The real CLI with a test-only client plug-in: every lab client, but a cell's first try is sent to
 * a closed loopback port (a real connection refused, from the real client), so with --retries the
 * retry passes and the cell is flaky. Sites named in TLSLAB_TEST_FAIL_EVERY_TRY are sent there on
 * every try: they fail all attempts. Usage: tsx test/harness/helpers/flaky-tlslab.ts run … (as tlslab).
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

function flakyOnFirstTry(shim: ClientShim): ClientShim {
  return {
    ...shim,
    async prepare(state, workDir, options) {
      const session = await shim.prepare(state, workDir, options);
      return {
        visit: (target) => {
          const sabotage = (target.attempt ?? 1) === 1 || failEveryTry.has(target.site);
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
