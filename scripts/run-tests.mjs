// Runs every compiled test file (unit *.test.js and integration *.int.test.js), and the bench's
// own *.test.mjs, with node's test runner. `--unit` or `--int` narrows the set; other arguments
// filter by path.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const intOnly = args.includes('--int');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js') || name.endsWith('.test.mjs')) out.push(p);
  }
  return out;
}

const files = [];
const packages = [
  ...readdirSync('services').map((s) => join('services', s)),
  'infra',
  'dashboards',
];
for (const pkg of packages) {
  const dist = join(pkg, 'dist');
  try {
    statSync(dist);
  } catch {
    continue;
  }
  walk(dist, files);
}
// The bench's own rules (plain JavaScript, not compiled).
walk(join('loadtest', 'bench'), files);
const chosen = files
  .filter((f) =>
    unitOnly ? !f.endsWith('.int.test.js') : intOnly ? f.endsWith('.int.test.js') : true,
  )
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (chosen.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}
// Tests that hold a time bound with ten thousand connections run alone, after the rest: next to
// another test file on two cores they measure the neighbour, not the fleet.
const ALONE = ['membership.int.test.js'];
const alone = chosen.filter((f) => ALONE.some((a) => f.endsWith(a)));
const together = chosen.filter((f) => !alone.includes(f));
const run = (list, concurrency) =>
  list.length === 0
    ? 0
    : (spawnSync(
        process.execPath,
        [
          '--enable-source-maps',
          '--test',
          `--test-concurrency=${concurrency}`,
          '--test-timeout=120000',
          ...list,
        ],
        { stdio: 'inherit' },
      ).status ?? 1);
const first = run(together, 2);
const second = run(alone, 1);
process.exit(first || second);
