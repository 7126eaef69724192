/** argv that runs one of the lab's TypeScript entry points in a fresh Node (no build step), wherever a launcher puts it. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TSX_LOADER = import.meta.resolve('tsx/esm');

/**
 * The file of an entry point named as `./x-main.ts` beside its caller: the source when the lab runs
 * from its sources, the compiled `.js` when it runs from dist/ (the package's build), where no
 * `.ts` is.
 */
export function entryPointFile(script: string | URL): string {
  const path = script instanceof URL ? fileURLToPath(script) : script;
  if (!path.endsWith('.ts') || existsSync(path)) return path;
  const built = path.replace(/\.ts$/, '.js');
  return existsSync(built) ? built : path;
}

export function nodeTsArgv(script: string | URL, args: readonly string[] = [], nodeFlags: readonly string[] = []): string[] {
  // tsx's loader is harmless for the built .js, and the decorators of the sources need it
  return [process.execPath, ...nodeFlags, '--import', TSX_LOADER, entryPointFile(script), ...args];
}
