// Bundles the browser client (client/) into dist/public, which the gateway serves.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const here = new URL('.', import.meta.url).pathname;
const out = `${here}dist/public`;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${here}client/src/main.ts`],
  bundle: true,
  minify: true,
  // A map beside the bundle for debugging, not linked from it and never served (static-files.ts).
  sourcemap: 'external',
  format: 'esm',
  target: ['es2022'],
  outfile: `${out}/app.js`,
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css', 'favicon.svg'])
  copyFileSync(`${here}client/${f}`, `${out}/${f}`);
