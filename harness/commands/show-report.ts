/**
 * `tlslab show-report [DIR]`: serves a run's report.html (and the files it links: screenshots,
 * captures, key logs) on loopback until Ctrl-C. Only files inside DIR are served; nothing listens
 * beyond 127.0.0.1. Without DIR, the newest run under ./runs that has a report.
 */
import { createReadStream, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { REPORT_FILE } from '../report/html/reporter.ts';
import { portNumber } from './options.ts';

export const DEFAULT_REPORT_PORT = 9323;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.xml': 'application/xml; charset=utf-8',
  '.tap': 'text/plain; charset=utf-8',
  '.keys': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.pcapng': 'application/vnd.tcpdump.pcap',
};

/** The newest directory under `runsDir` holding a report (run dirs are named by timestamp). */
export function newestReportDir(runsDir: string): string | undefined {
  if (!existsSync(runsDir)) return undefined;
  return readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(runsDir, e.name, REPORT_FILE)))
    .map((e) => join(runsDir, e.name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

export function reportDirFor(dir: string | undefined): string {
  const chosen = dir ?? newestReportDir('runs');
  if (chosen === undefined) throw new UserError(`no report to show: no run under ./runs has a ${REPORT_FILE} (tlslab run writes one; or name a DIR)`);
  if (!existsSync(chosen) || !statSync(chosen).isDirectory()) throw new UserError(`${chosen}: not a directory`);
  if (!existsSync(join(chosen, REPORT_FILE))) throw new UserError(`${chosen}: no ${REPORT_FILE} in it (the run was made without the html reporter)`);
  return realpathSync(chosen);
}

/** The file a URL path names inside root, or undefined when it names nothing there (or tries to leave it). */
export function fileUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return undefined;
  }
  const wanted = resolve(root, `.${decoded === '/' ? `/${REPORT_FILE}` : decoded}`);
  if (!existsSync(wanted)) return undefined;
  // a symlink inside the run dir must not reach outside it
  const real = realpathSync(wanted);
  const inside = relative(root, real);
  if (inside.startsWith('..') || inside.startsWith(sep) || !statSync(real).isFile()) return undefined;
  return real;
}

export function serveReport(root: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = fileUnder(root, req.url ?? '/');
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UserError(`port ${port} on 127.0.0.1 is in use; --port 0 picks a free one`) : err),
    );
    server.listen(port, '127.0.0.1', () => resolvePromise(server));
  });
}

export function registerShowReportCommand(program: Command): void {
  program
    .command('show-report')
    .description(`serve a run's ${REPORT_FILE} on 127.0.0.1 until Ctrl-C (default: the newest run under ./runs)`)
    .argument('[dir]', 'a directory tlslab run or tlslab detect wrote')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', portNumber, DEFAULT_REPORT_PORT)
    .action(async (dir: string | undefined, flags: { port: number }) => {
      const root = reportDirFor(dir);
      const server = await serveReport(root, flags.port);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : flags.port;
      process.stderr.write(`tlslab: serving ${relative(process.cwd(), join(root, REPORT_FILE)) || REPORT_FILE} at http://127.0.0.1:${port}/ (Ctrl-C stops)\n`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    });
}
