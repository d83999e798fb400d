// Keeps only the uWebSockets.js binary this Node loads (platform, arch, ABI) and deletes the
// rest: the package ships 18 builds (~92 MB) plus copies in dist/ that nothing loads. Then it
// loads the kept one, so an image whose Node cannot load it fails to build instead of running
// on the package's slow JavaScript fallback.
// Usage (in the ws-gateway image): node scripts/prune-uws.mjs [PACKAGE_DIR]
import { createRequire } from 'node:module';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const dir =
  process.argv[2] ??
  dirname(
    createRequire(join(process.cwd(), 'package.json')).resolve('uWebSockets.js/package.json'),
  );
const keep = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
const binaries = readdirSync(join(dir, 'binaries'));
if (!binaries.includes(keep)) {
  console.error(
    `prune-uws: no ${keep} in ${dir}/binaries (Node ${process.version}): this Node cannot run uWebSockets.js natively`,
  );
  process.exit(1);
}
let freed = 0;
const drop = (file) => {
  freed += statSync(file).size;
  rmSync(file);
};
for (const name of binaries)
  if (name !== keep && name.endsWith('.node')) drop(join(dir, 'binaries', name));
for (const name of readdirSync(join(dir, 'dist')))
  if (name.endsWith('.node')) drop(join(dir, 'dist', name));
const native = createRequire(import.meta.url)(join(dir, 'binaries', keep));
if (typeof native.App !== 'function' || typeof native.getParts !== 'function') {
  console.error(`prune-uws: ${keep} loaded but is not the native uWebSockets.js`);
  process.exit(1);
}
console.log(`prune-uws: kept ${keep}, removed ${(freed / 1048576).toFixed(1)} MB`);
