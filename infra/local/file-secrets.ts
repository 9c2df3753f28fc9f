import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Secrets } from '../../functions/providers/secrets';

/** Secrets on the embedded default: one file each, readable by this user only (0600). */
export class FileSecrets implements Secrets {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private path(name: string) {
    return join(this.dir, encodeURIComponent(name));
  }

  async get(name: string): Promise<string | undefined> {
    try {
      return readFileSync(this.path(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(name: string, value: string): Promise<void> {
    // Whole or not at all: a crash between truncating and writing would leave an empty password.
    writeFileSync(`${this.path(name)}.partial`, value, { mode: 0o600 });
    renameSync(`${this.path(name)}.partial`, this.path(name));
  }

  async delete(name: string): Promise<void> {
    rmSync(this.path(name), { force: true });
  }
}
