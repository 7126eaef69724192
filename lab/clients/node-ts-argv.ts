/** argv that runs one of the lab's TypeScript entry points in a fresh Node (no build step), wherever a launcher puts it. */
import { fileURLToPath } from 'node:url';

const TSX_LOADER = import.meta.resolve('tsx/esm');

export function nodeTsArgv(script: string | URL, args: readonly string[] = [], nodeFlags: readonly string[] = []): string[] {
  const path = script instanceof URL ? fileURLToPath(script) : script;
  return [process.execPath, ...nodeFlags, '--import', TSX_LOADER, path, ...args];
}
