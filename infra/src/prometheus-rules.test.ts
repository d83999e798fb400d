import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { catalogued, metricsIn } from '@chatfleet/testing';

// The real promtool from Debian's prometheus package (make test installs it).
const DIR = fileURLToPath(new URL('../../dashboards/prometheus/', import.meta.url));
const promtool = (...args: string[]) => {
  const res = spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8' });
  assert.equal(res.error, undefined, 'promtool (Debian package prometheus) is on the PATH');
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
};

interface Rule {
  alert: string;
  expr: string;
  annotations?: Record<string, string>;
}
interface RuleTest {
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}

const rules = (
  parse(readFileSync(join(DIR, 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);
const tests = (parse(readFileSync(join(DIR, 'alerts.test.yml'), 'utf8')) as { tests: RuleTest[] })
  .tests;

describe('Prometheus rules and configuration (dashboards/prometheus)', () => {
  it('passes promtool check rules and check config', () => {
    const r = promtool('check', 'rules', 'alerts.yml');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`SUCCESS: ${rules.length} rules found`));
    for (const config of ['prometheus.yml', 'prometheus-compose.yml']) {
      const c = promtool('check', 'config', config);
      assert.equal(c.code, 0, c.out);
      assert.match(c.out, /SUCCESS: 1 rule files found/, config);
    }
  });

  it("passes promtool check config with the AWS host's configuration, environment filled in", () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatfleet-prom-aws-'));
    copyFileSync(join(DIR, 'alerts.yml'), join(dir, 'alerts.yml'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      readFileSync(join(DIR, 'prometheus-aws.yml'), 'utf8')
        .replaceAll('CHATFLEET_REGION', 'eu-west-1')
        .replaceAll('CHATFLEET_ENV', 'prod'),
    );
    const c = spawnSync('promtool', ['check', 'config', 'prometheus.yml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(c.status, 0, `${c.stdout}${c.stderr}`);
    assert.match(c.stdout, /SUCCESS: 1 rule files found/);
  });

  it('passes every rule unit test (promtool test rules)', () => {
    const r = promtool('test', 'rules', 'alerts.test.yml');
    assert.equal(r.code, 0, r.out);
  });

  it('tests every alert both firing and quiet, and gives each a summary and a runbook line', () => {
    const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const rule of rules) {
      const mine = cases.filter((c) => c.alertname === rule.alert);
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${rule.alert} fires in a test`,
      );
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${rule.alert} quiet in a test`,
      );
      assert.ok(rule.annotations?.['summary'], `${rule.alert} summary`);
      assert.ok((rule.annotations?.['runbook'] ?? '').length > 30, `${rule.alert} runbook`);
    }
    assert.ok(rules.length >= 10);
  });

  it('uses only metrics the services document, and scrapes every service of make up', () => {
    const listed = catalogued();
    for (const rule of rules)
      for (const name of metricsIn(rule.expr))
        assert.ok(listed(name), `${rule.alert}: ${name} is in docs/metrics.md`);
    const cfg = parse(readFileSync(join(DIR, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    assert.deepEqual(
      cfg.scrape_configs.map((j) => [j.job_name, j.static_configs[0]?.targets[0]]),
      [
        ['tcp-gateway', '127.0.0.1:9101'],
        ['ws-gateway', '127.0.0.1:9102'],
        ['matchmaker', '127.0.0.1:9103'],
        ['history-writer', '127.0.0.1:9104'],
      ],
    );
  });
});
