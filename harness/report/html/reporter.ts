/**
 * The html reporter: DIR/report.html for the whole run, self-contained (screenshots embedded as
 * data: URLs, each distinct image once; captures, key logs and other files linked relative to it,
 * so the report dir can be moved or served as a whole).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import type { Reporter, ReporterContext, RunPlan } from '../reporter.ts';
import { scenarioDir, writeReportFile } from '../write.ts';
import { cellViews, type CellView } from './cell-view.ts';
import { renderPage, type ScenarioSection } from './page.ts';
import type { CellFiles } from './panel.ts';
import { packageRoot } from '../../../lab/package-root.ts';

export const REPORT_FILE = 'report.html';

const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

function labVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

/** Reads a cell's files: images become embedded screenshots, everything else a link. */
async function cellFiles(view: CellView, dir: string, outDir: string, shots: Record<string, string>, context: ReporterContext): Promise<CellFiles> {
  const { tr } = context;
  const href = (path: string) => relative(outDir, resolve(dir, path)).split('\\').join('/');
  const files: CellFiles = { screenshots: [], links: [] };
  for (const artefact of view.row.actual.artefacts ?? []) {
    const type = IMAGE_TYPES[extname(artefact).toLowerCase()];
    if (!type) {
      files.links.push({ label: basename(artefact), href: href(artefact) });
      continue;
    }
    try {
      const bytes = await readFile(resolve(dir, artefact));
      const key = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
      shots[key] ??= `data:${type};base64,${bytes.toString('base64')}`;
      files.screenshots.push({ key, href: href(artefact) });
    } catch (err) {
      files.links.push({ label: tr.t('html.files.missing', { file: basename(artefact), reason: (err as NodeJS.ErrnoException).code ?? String(err) }), href: href(artefact) });
    }
  }
  const { capture } = view.row;
  if (capture?.pcapng) files.links.push({ label: tr.t('html.files.capture'), href: href(capture.pcapng) });
  if (capture?.keylog) files.links.push({ label: tr.t('html.files.keylog'), href: href(capture.keylog) });
  return files;
}

export function htmlReporter(context: ReporterContext): Reporter {
  let plan: RunPlan | undefined;
  return {
    onBegin(p) {
      plan = p;
    },
    async onEnd({ runs, verdict, wallMs, boxCards }) {
      const { outDir, tr } = context;
      const shots: Record<string, string> = {};
      const sections: ScenarioSection[] = [];
      for (const [i, run] of runs.entries()) {
        const dir = scenarioDir(outDir, runs.length, run.result.scenario);
        const views = cellViews(run, i);
        const files = new Map<string, CellFiles>();
        for (const view of views) files.set(view.id, await cellFiles(view, dir, outDir, shots, context));
        const scenarioPlan = plan?.scenarios.find((s) => s.id === run.result.scenario);
        sections.push({ run, views, files, ...(scenarioPlan && { plan: scenarioPlan }) });
      }
      const page = renderPage(
        {
          ...(plan && { plan }),
          sections,
          verdict,
          wallMs,
          shots,
          ...(boxCards && { boxCards }),
          meta: { version: labVersion(), node: process.versions.node, platform: `${process.platform} ${process.arch}`, ...(context.argv && { argv: context.argv }) },
        },
        tr,
      );
      return [await writeReportFile(join(outDir, REPORT_FILE), page)];
    },
  };
}
