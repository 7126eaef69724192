/**
 * A client's files (a browser's screenshot, its NetLog) are written into the run's temp dir, which
 * goes when the run ends; the ones a report points at are copied next to it, named after the cell.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, isAbsolute, join, relative } from 'node:path';
import type { Observation } from '../../lab/clients/types.ts';

function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export function cellFileStem(state: string, client: string, site: string, box?: string): string {
  return `${box === undefined ? '' : `${fileSafe(box)}--`}${fileSafe(state)}--${fileSafe(client)}--${fileSafe(site)}`;
}

/** The observation with its artefacts kept under `artefactsDir/artefacts/`, paths relative to artefactsDir. */
export async function keepArtefacts(observation: Observation, artefactsDir: string, stem: string): Promise<Observation> {
  if (!observation.artefacts?.length) return observation;
  const dir = join(artefactsDir, 'artefacts');
  await mkdir(dir, { recursive: true });
  const kept: string[] = [];
  const lost: string[] = [];
  for (const file of observation.artefacts) {
    if (!isAbsolute(file)) {
      kept.push(file);
      continue;
    }
    const target = join(dir, `${stem}--${basename(file)}`);
    try {
      await copyFile(file, target);
      kept.push(relative(artefactsDir, target));
    } catch (err) {
      lost.push(`${basename(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  const detail = lost.length ? [observation.detail, `artefacts not kept: ${lost.join(', ')}`].filter(Boolean).join('; ') : observation.detail;
  return { ...observation, artefacts: kept, ...(detail !== undefined && { detail }) };
}
