/** Where a visit's files go: under the session's workDir, one name per cell, absolute paths. */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export class ArtefactNamer {
  private count = 0;
  constructor(private readonly dir: string, private readonly client: string) {}

  async next(site: string, extension: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const safeSite = site.replace(/[^A-Za-z0-9.-]/g, '_');
    this.count += 1;
    return resolve(join(this.dir, `${this.client}-${String(this.count).padStart(3, '0')}-${safeSite}.${extension}`));
  }
}
