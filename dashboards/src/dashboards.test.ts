import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { catalogued, metricsIn } from '@chatfleet/testing';
import { DASHBOARDS, render } from './dashboards.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

interface Target {
  expr: string;
  datasource?: { uid: string };
}
interface Panel {
  title: string;
  description?: string;
  datasource?: { uid: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
}

for (const [file, spec] of Object.entries(DASHBOARDS)) {
  describe(`dashboard ${file}`, () => {
    const json = render(spec);
    const dash = JSON.parse(json) as Dashboard;

    it('is committed exactly as the TypeScript generates it (npm run generate -w @chatfleet/dashboards)', () => {
      assert.equal(read(`grafana/${file}`), json);
    });

    it('has a datasource variable and its filters, and every panel and query uses the datasource', () => {
      const vars = new Map(dash.templating.list.map((v) => [v.name, v]));
      assert.equal(vars.get('datasource')?.type, 'datasource');
      assert.equal(vars.get('datasource')?.query, 'prometheus');
      // A fleet board filters by instance (and service when it shows several); k6's by run.
      const filters = spec.uid === 'chatfleet-k6' ? ['testid'] : ['instance'];
      if (spec.uid === 'chatfleet-overview') filters.push('service');
      for (const f of filters) assert.equal(vars.get(f)?.type, 'query', f);
      for (const [, v] of spec.sel.matchAll(/\$(\w+)/g)) assert.ok(vars.has(v ?? ''), `$${v}`);
      for (const p of dash.panels) {
        assert.equal(p.datasource?.uid, '${datasource}', p.title);
        for (const t of p.targets ?? []) assert.equal(t.datasource?.uid, '${datasource}', p.title);
      }
    });

    it('gives every panel a unit and a description of what a bad value looks like', () => {
      assert.ok(dash.panels.length >= 8, `${dash.panels.length} panels`);
      for (const p of dash.panels) {
        assert.ok(p.fieldConfig?.defaults?.unit, `${p.title}: unit`);
        assert.ok((p.description ?? '').length >= 60, `${p.title}: description`);
      }
    });

    it("filters every query by the board's variables, and rates over $__rate_interval", () => {
      for (const p of dash.panels)
        for (const t of p.targets ?? []) {
          assert.ok(t.expr.includes(`{${spec.sel}}`), `${p.title}: ${t.expr}`);
          for (const [, range] of t.expr.matchAll(/\[([^\]]+)\]/g))
            assert.equal(range, '$__rate_interval', `${p.title}: ${t.expr}`);
        }
    });

    it('queries only metrics the services document', () => {
      const listed = catalogued();
      for (const p of dash.panels)
        for (const t of p.targets ?? [])
          for (const name of metricsIn(t.expr)) assert.ok(listed(name), `${p.title}: ${name}`);
    });
  });
}
