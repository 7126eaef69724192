/**
 * Turns validation issues into one line each: `file:line: states[2].expect.curl: message`.
 * The line comes from the YAML document, so an author can jump straight to it.
 */
import type { Document, LineCounter } from 'yaml';
import { isNode } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../errors.ts';

export interface Problem {
  path: PropertyKey[];
  message: string;
}

/** `['states', 2, 'expect', 'curl']` → `states[2].expect.curl`; keys that are not identifiers get quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      const plain = /^[A-Za-z_$][\w$-]*$/.test(key);
      out += plain ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out || '(top level)';
}

/** Flattens zod issues; a failed union reports the branch the author evidently meant. */
export function problemsFromZod(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const meant = issue.errors.find((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (meant) {
        out.push(...problemsFromZod(meant, path));
        continue;
      }
      const expected = issue.errors.flat().map((i) => (i.code === 'invalid_type' ? i.expected : i.code));
      out.push({ path, message: `expected ${[...new Set(expected)].join(' or ')}` });
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...path, key], message: 'unknown key' });
      continue;
    }
    out.push({ path, message: issue.message });
  }
  return out;
}

/** 1-based line of the node at `path`, falling back to its nearest existing parent. */
export function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

export class ScenarioError extends UserError {
  constructor(
    readonly file: string,
    readonly problems: { path: string; line?: number; message: string }[],
  ) {
    super(problems.map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.path}: ${p.message}`).join('\n'));
    this.name = 'ScenarioError';
  }
}
