/**
 * Every command in a fenced `sh` block of README.md and docs/*.md runs as written.
 *
 * - tlslab commands are parsed by the real CLI (its commander program, every option parser and
 *   choice), then checked against what they name: scenarios load, their --clients and --states
 *   exist, files and directories exist (or an earlier command of the same block makes them).
 *   The cheap ones (ca, crlset, detect, list, doctor) also run for real, in a scratch copy of the
 *   repository's top level, and must exit 0.
 * - npm scripts exist; `npx tsx FILE --flag` names a file that reads that flag; an environment
 *   variable set in front of a command is read by the file it runs.
 * - other commands run for real when cheap (node -e, the example plug-ins), else their program
 *   must be on PATH or a shell builtin.
 *
 * Also: docs/cli.md's synopsis has a line for every command with every flag `--help` shows, and
 * docs and comments name only files that exist in the repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { buildProgram } from '../../harness/cli.ts';
import { labCatalogue } from '../../harness/runner/lab-catalogue.ts';
import { runtimeNames } from '../../harness/runner/runtimes.ts';
import { resolveScenarioArgument } from '../../harness/scenario/discover.ts';
import { loadScenarioFile } from '../../harness/scenario/load.ts';
import { findExecutable } from '../../lab/runtime/find-executable.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DOC_FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface DocCommand {
  where: string;
  block: number;
  text: string;
  words: string[];
  env: Record<string, string>;
  stdin?: string;
  stdout?: string;
}

/** Shell words of one simple command: quotes, redirections, a trailing `&`; `# …` ends it. */
function shellWords(text: string): { words: string[]; stdin?: string; stdout?: string } {
  const words: string[] = [];
  let current = '';
  let started = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (/\s/.test(c)) {
      if (started) words.push(current);
      current = '';
      started = false;
    } else if (c === '#' && !started) {
      break;
    } else {
      current += c;
      started = true;
    }
  }
  if (started) words.push(current);
  const out: { words: string[]; stdin?: string; stdout?: string } = { words: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '<') out.stdin = words[++i];
    else if (w === '>') out.stdout = words[++i];
    else if (w !== '&') out.words.push(w);
  }
  return out;
}

function docCommands(): DocCommand[] {
  const commands: DocCommand[] = [];
  let block = 0;
  for (const file of DOC_FILES) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    let inSh = false;
    let inOther = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (/^```/.test(line)) {
        if (inSh || inOther) {
          inSh = inOther = false;
        } else if (/^```(sh|bash|shell)\s*$/.test(line)) {
          inSh = true;
          block++;
        } else inOther = true;
        continue;
      }
      if (!inSh || /^\s*(#|$)/.test(line)) continue;
      let text = line;
      const start = i + 1;
      while (/\\\s*$/.test(text) && i + 1 < lines.length) text = text.replace(/\\\s*$/, ' ') + lines[++i];
      const parsed = shellWords(text);
      // `sudo CMD` is CMD as root: this test runs as whoever runs it, so CMD is what is checked
      if (parsed.words[0] === 'sudo') parsed.words.splice(0, 1 + parsed.words.slice(1).findIndex((w) => !w.startsWith('-')));
      const env: Record<string, string> = {};
      while (parsed.words[0] && /^[A-Z_][A-Z0-9_]*=/.test(parsed.words[0])) {
        const [name, ...value] = parsed.words.shift()!.split('=');
        env[name!] = value.join('=');
      }
      commands.push({ where: `${file}:${start}`, block, text: text.trim(), words: parsed.words, env, ...(parsed.stdin && { stdin: parsed.stdin }), ...(parsed.stdout && { stdout: parsed.stdout }) });
    }
  }
  return commands;
}

/** Commands that take only a moment and touch nothing outside their working directory. */
const RUN_FOR_REAL = new Set(['ca create', 'ca forge', 'ca issue', 'ca spki', 'ca export', 'ca onecrl', 'crlset build', 'crlset dump', 'detect', 'list', 'doctor']);

interface Parsed {
  path: string;
  args: string[];
  opts: Record<string, unknown>;
}

function silenced(command: Command, onAction: (parsed: Parsed) => void): void {
  command.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  if (command.commands.length === 0) {
    command.action((...params: unknown[]) => {
      const self = params.at(-1) as Command;
      const names: string[] = [];
      for (let c: Command | null = self; c?.parent; c = c.parent) names.unshift(c.name());
      onAction({ path: names.join(' '), args: self.args, opts: self.opts() });
    });
  }
  for (const sub of command.commands) silenced(sub, onAction);
}

/** The real CLI's parser, with every action replaced by a recorder. */
async function parseTlslab(argv: string[]): Promise<Parsed> {
  const program = buildProgram();
  let parsed: Parsed | undefined;
  silenced(program, (p) => (parsed = p));
  let message = '';
  program.configureOutput({ writeOut: () => undefined, writeErr: (s) => (message += s) });
  try {
    await program.parseAsync(['node', 'tlslab', ...argv]);
  } catch (err) {
    if (err instanceof CommanderError) throw new Error(err.message);
    throw err;
  }
  if (!parsed) throw new Error(`no command ran${message ? `: ${message}` : ''}`);
  return parsed;
}

/** Paths that only commands checked without running them make: whoever reads one is not run either. */
const madeByParsedOnly = new Set<string>();

/** A path a command reads: there now, or named by an earlier command of the same block. */
function present(path: string, sandbox: string, earlier: readonly DocCommand[]): boolean {
  const bare = path.replace(/^\.\//, '').replace(/\/$/, '');
  if (existsSync(resolve(sandbox, path)) && !madeByParsedOnly.has(bare)) return true;
  if (!earlier.some((c) => c.text.includes(bare))) return false;
  madeByParsedOnly.add(bare);
  return true;
}

async function checkTlslab(cmd: DocCommand, argv: string[], sandbox: string, earlier: readonly DocCommand[]): Promise<string[]> {
  const problems: string[] = [];
  const p = await parseTlslab(argv);
  const need = (path: unknown, what: string) => {
    if (typeof path === 'string' && !present(path, sandbox, earlier)) problems.push(`${what} ${path} does not exist and no earlier command of the block makes it`);
  };
  if (p.path === 'run') {
    const scenarios = await Promise.all((p.args.length > 0 ? p.args : ['kz-2019-qaznet']).map(async (arg) => {
      const file = existsSync(resolve(sandbox, arg)) ? resolve(sandbox, arg) : resolveScenarioArgument(arg);
      return loadScenarioFile(file, labCatalogue());
    }));
    const clients = new Set(scenarios.flatMap((s) => s.clients));
    const states = new Set(scenarios.flatMap((s) => s.states.map((x) => x.name)));
    for (const c of (p.opts.clients as string[] | undefined) ?? []) if (!clients.has(c)) problems.push(`--clients ${c}: not a client of ${p.args.join(', ')} (${[...clients].join(', ')})`);
    for (const s of (p.opts.states as string[] | undefined) ?? []) if (!states.has(s)) problems.push(`--states ${s}: not a state of ${p.args.join(', ')}`);
    if (!runtimeNames().includes(String(p.opts.runtime))) problems.push(`--runtime ${String(p.opts.runtime)}: unknown`);
  }
  if (p.path === 'run' || p.path === 'detect') {
    for (const plugin of (p.opts.detectorPlugin as string[] | undefined) ?? []) need(plugin, '--detector-plugin');
    need(p.opts.baseline, '--baseline');
    need(p.opts.boxCa, '--box-ca');
  }
  if (p.path === 'detect' || p.path === 'show-report') need(p.args[0], p.path);
  if (p.path === 'proxy') need(p.opts.ca, '--ca');
  if (p.path === 'proxy' || p.path.startsWith('ca ')) {
    // proxy checks its required options itself, all at once, in its action
    for (const [key, flag] of [['ca', '--ca'], ['profile', '--profile'], ['listen', '--listen']] as const) {
      if (p.path === 'proxy' && p.opts[key] === undefined) problems.push(`proxy: missing ${flag}`);
    }
  }
  return problems;
}

function checkOther(cmd: DocCommand, sandbox: string, earlier: readonly DocCommand[]): { problems: string[]; runShell: boolean } {
  const [program, ...rest] = cmd.words;
  const problems: string[] = [];
  if (!program) return { problems: ['empty command'], runShell: false };
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  if (program === 'npm') {
    const script = rest[0] === 'run' ? rest[1] : rest[0] === 'test' ? 'test' : undefined;
    if (script !== undefined && !(script in scripts)) problems.push(`npm script ${script} does not exist`);
    if (script === undefined && !['pack', 'install', 'ci'].includes(rest[0] ?? '')) problems.push(`npm ${rest[0]}: not a command the docs should need`);
    return { problems, runShell: false };
  }
  if (program === 'npx' && rest[0] === 'tsx') {
    const file = rest.slice(1).find((w) => !w.startsWith('-'));
    if (!file || !existsSync(join(ROOT, file))) return { problems: [`${file ?? '(no file)'} does not exist`], runShell: false };
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const flag of rest.slice(1).filter((w) => /^--[a-z]/.test(w) && w !== '--test')) if (!source.includes(flag)) problems.push(`${file} does not read ${flag}`);
    for (const name of Object.keys(cmd.env)) if (!source.includes(name)) problems.push(`${file} does not read ${name}`);
    return { problems, runShell: false };
  }
  if (program === 'node' && rest[0] === '-e') return { problems, runShell: true };
  if (/^(\.\/)?(examples|scripts)\//.test(program)) {
    if (!existsSync(join(ROOT, program))) problems.push(`${program} does not exist`);
    else if ((statSync(join(ROOT, program)).mode & 0o111) === 0) problems.push(`${program} is not executable`);
    if (cmd.stdin && !present(cmd.stdin, sandbox, earlier)) problems.push(`${cmd.stdin} is not made by an earlier command`);
    return { problems, runShell: problems.length === 0 };
  }
  if (['until', 'kill', 'cd', 'export', 'sleep'].includes(program)) return { problems, runShell: false };
  if (!findExecutable(program)) problems.push(`${program} is not installed here (skipped, not checked further)`);
  return { problems, runShell: false };
}

/** The repository's top level, linked into a scratch dir: commands write there, never into the repository. */
function sandboxOfRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tlslab-test-docs-'));
  for (const name of readdirSync(ROOT)) {
    if (['runs', 'ca', '.tlslab', '.git', 'dist'].includes(name)) continue;
    symlinkSync(join(ROOT, name), join(dir, name));
  }
  return dir;
}

test('every command in the fenced sh blocks of README.md and docs/ runs as written', { timeout: 180_000 }, async (t) => {
  const commands = docCommands();
  assert.ok(commands.length >= 30, `found ${commands.length} commands`);
  const sandbox = sandboxOfRoot();
  t.after(() => rmSync(sandbox, { recursive: true, force: true }));
  const failures: string[] = [];
  const notes: string[] = [];
  const jobs: { where: string; argv: string[] }[] = [];
  let checked = 0;
  // shell commands run after the tlslab ones (in order among themselves): no documented shell
  // command makes a file a tlslab command reads, and the CLI then starts once
  const shells: DocCommand[] = [];

  // runs the queued tlslab commands (in one process) and then a shell command that may need their files
  const flush = () => {
    if (jobs.length === 0) return;
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/docs/run-cli.ts'), JSON.stringify(jobs.map((j) => ({ cwd: sandbox, argv: j.argv })))], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 150_000,
    });
    const results = (JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as { argv: string[]; code: number; output: string }[]);
    if (results.length !== jobs.length) failures.push(`the CLI runner ended early (exit ${r.status}): ${r.stderr.slice(-2000)}`);
    results.forEach((res, i) => {
      if (res.code !== 0) failures.push(`${jobs[i]!.where}: tlslab ${res.argv.join(' ')} exited ${res.code}:\n${res.output.slice(-1500)}`);
    });
    t.diagnostic(`ran ${jobs.length} tlslab commands for real in ${Date.now() - started} ms`);
    jobs.length = 0;
  };

  for (const [index, cmd] of commands.entries()) {
    const earlier = commands.slice(0, index).filter((c) => c.block === cmd.block);
    const tlslabArgv = cmd.words[0] === 'tlslab' ? cmd.words.slice(1) : cmd.words[0] === 'npx' && cmd.words[1] === 'tlslab' ? cmd.words.slice(2) : undefined;
    checked++;
    try {
      if (tlslabArgv) {
        const virtualBefore = madeByParsedOnly.size;
        const problems = await checkTlslab(cmd, tlslabArgv, sandbox, earlier);
        failures.push(...problems.map((p) => `${cmd.where}: ${cmd.text}\n  ${p}`));
        const path = tlslabArgv.filter((w) => !w.startsWith('-')).slice(0, 2).join(' ');
        // an executable plug-in is a process per cell (about 1 s each here): parsed, not run
        const executablePlugin = tlslabArgv.some((w, i) => tlslabArgv[i - 1] === '--detector-plugin' && !/\.m?js$/.test(w));
        const readsVirtual = madeByParsedOnly.size > virtualBefore || tlslabArgv.some((w) => madeByParsedOnly.has(w.replace(/^\.\//, '').replace(/\/$/, '')));
        const runs = problems.length === 0 && !executablePlugin && !readsVirtual && (RUN_FOR_REAL.has(path) || RUN_FOR_REAL.has(tlslabArgv[0]!));
        if (runs) jobs.push({ where: cmd.where, argv: tlslabArgv });
        else {
          const out = tlslabArgv[tlslabArgv.indexOf('--out') + 1];
          if (tlslabArgv.includes('--out') && out) madeByParsedOnly.add(out.replace(/^\.\//, '').replace(/\/$/, ''));
        }
        continue;
      }
      const { problems, runShell } = checkOther(cmd, sandbox, earlier);
      const skippedTools = problems.filter((p) => p.includes('is not installed here'));
      notes.push(...skippedTools.map((p) => `${cmd.where}: ${p}`));
      failures.push(...problems.filter((p) => !skippedTools.includes(p)).map((p) => `${cmd.where}: ${cmd.text}\n  ${p}`));
      if (runShell) shells.push(cmd);
    } catch (err) {
      failures.push(`${cmd.where}: ${cmd.text}\n  ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  flush();
  for (const cmd of shells) {
    const r = spawnSync('sh', ['-c', cmd.text], { cwd: sandbox, encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) failures.push(`${cmd.where}: ${cmd.text}\n  exited ${r.status}: ${r.stderr.slice(-800)}`);
  }
  for (const note of notes) t.diagnostic(note);
  t.diagnostic(`${checked} documented commands checked`);
  assert.deepEqual(failures, []);
});

/** Every leaf command of the CLI with the long flags `--help` shows for it. */
function cliCommands(): { path: string; flags: string[] }[] {
  const out: { path: string; flags: string[] }[] = [];
  const walk = (command: Command, prefix: string[]) => {
    for (const sub of command.commands) {
      const path = [...prefix, sub.name()];
      if (sub.commands.length > 0) walk(sub, path);
      else out.push({ path: path.join(' '), flags: sub.options.flatMap((o) => (o.long && !o.hidden ? [o.long] : [])).filter((f) => f !== '--help') });
    }
  };
  walk(buildProgram(), []);
  return out;
}

test('docs/cli.md\'s synopsis has every command and every flag --help shows', () => {
  const cli = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
  const synopsis = /```\n([\s\S]*?)```/.exec(cli)?.[1] ?? '';
  // a command's entry: its line and the indented lines that continue it
  const entries = new Map<string, string>();
  let current: string | undefined;
  for (const line of synopsis.split('\n')) {
    const m = /^tlslab ((?:[a-z][a-z-]* ?)+?)(?= [[A-Z<(-]|$)/.exec(line);
    if (m) entries.set((current = m[1]!.trim()), line);
    else if (current && /^\s/.test(line)) entries.set(current, `${entries.get(current)!}\n${line}`);
  }
  const missing: string[] = [];
  for (const { path, flags } of cliCommands()) {
    const entry = entries.get(path);
    if (entry === undefined) {
      missing.push(`tlslab ${path}: no line in the synopsis (the first code block of docs/cli.md)`);
      continue;
    }
    for (const flag of flags) if (!new RegExp(`${flag}(?![a-z-])`).test(entry)) missing.push(`tlslab ${path}: ${flag} is not in its synopsis line`);
  }
  assert.deepEqual(missing, []);
});

test('docs and comments name only files that are in the repository', () => {
  const sources = ['README.md', 'docs', 'lab', 'harness', 'test', 'bench', 'scripts', 'scenarios', 'examples', 'bin', 'docker'];
  const walk = (path: string): string[] => {
    const full = join(ROOT, path);
    if (statSync(full).isDirectory()) return readdirSync(full).filter((n) => n !== 'node_modules' && n !== 'fixtures').flatMap((n) => walk(join(path, n)));
    return /\.(md|ts|mjs|js|py|sh|yaml|java)$/.test(path) ? [path] : [];
  };
  const files = sources.flatMap(walk);
  const dirs = ['lab', 'harness', 'test', 'docs', 'scenarios', 'bench', 'scripts', 'examples', 'docker', 'bin'];
  const repoPath = new RegExp(`(?<![\\w./-])((?:${dirs.join('|')})/[\\w./*<>-]*[\\w*>])`, 'g');
  const bad: string[] = [];
  for (const file of files) {
    if (file === 'test/docs/commands.test.ts') continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    // a document named by its bare name must be one of the repository's
    for (const m of text.matchAll(/(?<![\w/.-])([A-Za-z][\w-]*\.md)\b/g)) {
      const name = m[1]!;
      if (!existsSync(join(ROOT, name)) && !existsSync(join(ROOT, 'docs', name)) && !existsSync(join(ROOT, dirname(file), name))) bad.push(`${file}: ${name}`);
    }
    // the design notes and research the project started from are not part of it
    for (const m of text.matchAll(/(?:\.\.\/|\/work\/)shared\b|shared\/reference\b/g)) bad.push(`${file}: ${m[0]}`);
    if (!file.endsWith('.md')) continue;
    // output and synopses in code blocks other than sh show example names (scenarios/x.yaml)
    const prose = text.replace(/^```(?!sh\b)[^\n]*\n[\s\S]*?^```/gm, '');
    for (const m of prose.matchAll(repoPath)) {
      const path = m[1]!.replace(/[.,:;)]+$/, '');
      if (/[*<>]/.test(path) || path.includes('…')) continue;
      if (!existsSync(join(ROOT, path)) && !existsSync(join(ROOT, path.replace(/\/$/, '')))) bad.push(`${file}: ${path}`);
    }
  }
  assert.deepEqual([...new Set(bad)].map((b) => relative('.', b)), []);
});
