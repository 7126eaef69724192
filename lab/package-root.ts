/**
 * The package's own directory (where package.json, scenarios/ and docker/ are), the same whether
 * the lab runs from its sources or from the build in dist/, which sits one level deeper.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'scenarios'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return (root = dir);
}
