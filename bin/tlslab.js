#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so there is no build step to forget.
import { register } from 'tsx/esm/api';
register();
const [{ main }, { exitCodeOf }] = await Promise.all([import('../harness/cli.ts'), import('../harness/exit-code.ts')]);
const code = await exitCodeOf(() => main(process.argv));
// Every command has stopped what it started by now; only the forger's background key refill can
// still be running, which kept the process alive 2-3 s for nothing. stdout/stderr are synchronous
// for files and pipes on Linux, so nothing written is lost.
process.exit(code);
