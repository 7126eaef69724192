#!/usr/bin/env node
// npm run build (and prepare): lab/ and harness/ compiled to dist/ with .d.ts, plus the files the
// lab runs that are not TypeScript (Python, Java) beside the modules that start them.
// Incremental: a build with nothing changed takes a few seconds.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // an install without devDependencies (npm ci --omit=dev) runs prepare too; the CLI needs no build
  const asPrepare = process.env.npm_lifecycle_event === 'prepare';
  process.stderr.write(`build: typescript (a devDependency) is not installed, so dist/ is not built${asPrepare ? '' : '; npm install first'}\n`);
  process.exit(asPrepare ? 0 : 1);
}
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });

const ASSETS = new Set(['.py', '.java']);
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (ASSETS.has(extname(name))) {
      const target = join(root, 'dist', relative(root, path));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
    }
  }
}
for (const dir of ['lab', 'harness']) copyAssets(join(root, dir));
