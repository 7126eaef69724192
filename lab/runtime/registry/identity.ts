/**
 * This process's run id: fixed for the life of the process and known before anything is created, so
 * labels on containers and networks can name the run that owns them (no imports: labels need it).
 */
import { randomBytes } from 'node:crypto';

let runId: string | undefined;

export function currentRunId(): string {
  runId ??= `${Date.now().toString(36)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  return runId;
}
