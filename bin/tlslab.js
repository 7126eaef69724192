#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so there is no build step to forget.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../harness/cli.ts');
const code = await main(process.argv);
// Every command has stopped what it started by now; only the forger's background key refill can
// still be running, which kept the process alive 2-3 s for nothing. stdout/stderr are synchronous
// for files and pipes on Linux, so nothing written is lost.
process.exit(code);
