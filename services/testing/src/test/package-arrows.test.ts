import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../service-process.js';

const CONFIG = join(REPO_ROOT, '.dependency-cruiser.cjs');

type Imports = Map<string, { prod: Set<string>; test: Set<string> }>;
// What each package imports, as the package map in docs/architecture.md reads it.
const packageImports = async () =>
  (
    (await import(pathToFileURL(join(REPO_ROOT, 'scripts/package-map.mjs')).href)) as {
      packageImports(): Imports;
    }
  ).packageImports();
const BIN = join(REPO_ROOT, 'node_modules/.bin/depcruise');

interface Report {
  summary: { violations: { rule: { name: string }; from: string; to: string }[] };
}

function cruise(cwd: string): Report {
  const r = spawnSync(BIN, ['services', '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.ok(r.stdout.startsWith('{'), `${r.stdout.slice(0, 200)}${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

// A tree shaped like ours, with one wrong arrow of each kind.
const BAD: Record<string, string> = {
  'services/protocol/src/index.ts':
    "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n",
  'services/runtime/src/index.ts': 'export const r = 1;\n',
  'services/store/src/index.ts':
    "import { core } from '../../gateway-core/src/index.js';\nexport const s = core;\n",
  'services/gateway-core/src/index.ts':
    "import { b } from './b.js';\nexport const core = 1;\nexport const a = () => b;\n",
  'services/gateway-core/src/b.ts':
    "import { a } from './index.js';\nexport const b = 2;\nexport const c = () => a;\n",
  'services/gateway-core/src/t.ts':
    "import type { T } from './u.js';\nexport type U = T;\nexport const t = 1;\n",
  'services/gateway-core/src/u.ts': "import type { U } from './t.js';\nexport type T = U | 1;\n",
  'services/matchmaker/src/main.ts':
    "import { x } from '../../tcp-gateway/src/x.js';\nimport { h } from '../../testing/src/index.js';\nexport const m = [x, h];\n",
  'services/tcp-gateway/src/x.ts': 'export const x = 1;\n',
  'services/testing/src/index.ts': 'export const h = 1;\n',
  'tsconfig.depcruise.json': '{ "compilerOptions": { "strict": true }, "include": ["services"] }\n',
};

describe('the arrows between packages (.dependency-cruiser.cjs)', () => {
  it('finds none pointing the wrong way, and no cycle of imports, in our tree', () => {
    const found = cruise(REPO_ROOT).summary.violations;
    assert.deepEqual(
      found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`),
      [],
    );
  });

  it('has each package declare what it imports: production code in dependencies, and no more', async () => {
    const wanted = await packageImports();
    for (const dir of readdirSync(join(REPO_ROOT, 'services'))) {
      const pj = JSON.parse(
        readFileSync(join(REPO_ROOT, 'services', dir, 'package.json'), 'utf8'),
      ) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const deps = new Set(Object.keys(pj.dependencies ?? {}));
      const dev = new Set(Object.keys(pj.devDependencies ?? {}));
      const w = wanted.get(dir) ?? { prod: new Set<string>(), test: new Set<string>() };
      // Type packages and the compiler come from the root; everything imported is declared.
      assert.deepEqual(
        [...w.prod].filter((n) => !deps.has(n)),
        [],
        `${dir}: imported, not a dependency`,
      );
      assert.deepEqual(
        [...w.test].filter((n) => !deps.has(n) && !dev.has(n) && !n.startsWith('@types/')),
        [],
        `${dir}: imported by tests, not declared`,
      );
      const chat = (set: Set<string>) => [...set].filter((n) => n.startsWith('@chatfleet/'));
      assert.deepEqual(
        chat(deps).filter((n) => !w.prod.has(n)),
        [],
        `${dir}: a dependency its code does not use`,
      );
    }
  });

  it('fails on an arrow up, a cycle (of types too), Node in protocol and a service importing another', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arrows-'));
    try {
      for (const [p, text] of Object.entries(BAD)) {
        mkdirSync(dirname(join(dir, p)), { recursive: true });
        writeFileSync(join(dir, p), text);
      }
      const found = cruise(dir).summary.violations;
      const rules = new Set(found.map((v) => v.rule.name));
      // Values importing each other (index.ts and b.ts), and types naming each other (t.ts
      // and u.ts): both are circles a reader must hold in mind at once.
      const cyclic = new Set(
        found.filter((v) => v.rule.name === 'no-circular').map((v) => v.from.replace(/.*\//, '')),
      );
      // One violation per circle, named by a module in it.
      assert.equal(cyclic.size, 2, [...cyclic].join());
      assert.ok(
        ['b.ts', 'index.ts'].some((f) => cyclic.has(f)),
        'the circle of values',
      );
      assert.ok(
        ['t.ts', 'u.ts'].some((f) => cyclic.has(f)),
        'the circle of types',
      );
      assert.deepEqual([...rules].sort(), [
        'no-circular',
        'production-code-does-not-use-the-harness',
        'protocol-runs-anywhere',
        'services-do-not-import-services',
        'store-imports-only-below-it',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
