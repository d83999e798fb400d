import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface StaticFile {
  body: Buffer;
  type: string;
}

/** Loads the built browser client into memory once: it is small, and uWS wants no blocking reads. */
export function loadStatic(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      // Source maps stay on disk for whoever debugs the build; served, they hand out the source.
      else if (extname(p) === '.map') continue;
      else
        files.set(`/${relative(dir, p).split('\\').join('/')}`, {
          body: readFileSync(p),
          type: TYPES[extname(p)] ?? 'application/octet-stream',
        });
    }
  };
  try {
    walk(dir);
  } catch {
    // No built client: the gateway still serves WebSockets and the API.
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}
