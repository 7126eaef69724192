/**
 * HTML built from tagged templates: every interpolated value is escaped unless it is markup built
 * the same way, so no cell detail, certificate subject or client error can inject into the report.
 */
const SAFE = Symbol('markup');

export interface Markup {
  readonly [SAFE]: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

type Part = Markup | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (Array.isArray(part)) return part.map(render).join('');
  if (typeof part === 'object' && SAFE in part) return (part as Markup)[SAFE];
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return { [SAFE]: out };
}

/** Markup that is already safe (assets written in this repository). */
export function trusted(text: string): Markup {
  return { [SAFE]: text };
}

export function toText(markup: Markup): string {
  return markup[SAFE];
}
