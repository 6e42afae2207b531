import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceUnavailableException } from '@nestjs/common';

/** Where `npm run build` puts the Vite-built pages (kiosk, enrollment, fleet view). */
export const CLIENT_DIR = join(__dirname, '..', '..', 'client');

/** Built HTML pages served by controllers (behind their guards), read once and kept. */
export class ClientPages {
  private readonly cache = new Map<string, string>();

  constructor(private readonly dir = CLIENT_DIR) {}

  get(name: string): string {
    let page = this.cache.get(name);
    if (page === undefined) {
      try {
        page = readFileSync(join(this.dir, name), 'utf8');
      } catch {
        throw new ServiceUnavailableException(`${name} is not built; run npm run build`);
      }
      this.cache.set(name, page);
    }
    return page;
  }
}
