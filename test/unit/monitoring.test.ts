// monitoring/: the Prometheus alert rules (promtool check + promtool's rule unit tests) and the Grafana dashboard,
// checked against the series renderMetrics really emits.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MetricsData, ScanCost, renderMetrics } from '../../src/features/metrics/server';

const ROOT = path.resolve(__dirname, '../../..');
const PROM = path.join(ROOT, 'monitoring/prometheus');
const DASHBOARD = path.join(ROOT, 'monitoring/grafana/code-server-ops.json');

/** Every series renderMetrics can emit: all optional fields known. */
const FULL: MetricsData = {
  extHostRssBytes: 1,
  heapUsedBytes: 1,
  heapLimitBytes: 2,
  extHosts: [{ pid: 1, rssBytes: 1, self: true }],
  detachedTerminals: 1,
  shells: 1,
  reclaimableBytesByClass: { obsolete: 1 },
  aiProcessesByExtension: { x: 1 },
  aiLeaked: 1,
  aiDuplicate: 0,
  oomKills: [{ source: 'kmsg', victimKind: 'terminal', count: 1 }],
  lastOomAtMs: 1,
  version: '0',
  cgroupCurrentBytes: 1,
  cgroupLimitBytes: 2,
};

async function emittedNames(): Promise<Set<string>> {
  const text = await renderMetrics(FULL, new ScanCost());
  return new Set([...text.matchAll(/^([a-z_]+)(?:\{| )/gm)].map((m) => m[1]));
}

const namesIn = (expr: string): string[] => [...new Set(expr.match(/\bcsops_[a-z_]+/g) ?? [])];

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

function promtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd: PROM, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` };
}

describe('monitoring: alert rules and dashboard', () => {
  const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

  it('promtool check rules accepts alerts.yml', function () {
    if (!hasPromtool) this.skip(); // .ci/run installs the Debian package "prometheus", which has promtool
    const r = promtool(['check', 'rules', 'alerts.yml']);
    assert.strictEqual(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS: 4 rules found/);
  });

  it("promtool test rules: each alert fires when it should, and not before its 'for' or on unknown limits", function () {
    if (!hasPromtool) this.skip();
    const r = promtool(['test', 'rules', 'alerts.test.yml']);
    assert.strictEqual(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS/);
  });

  it('the alert rules use only series the extension emits', async () => {
    const emitted = await emittedNames();
    const rules = fs.readFileSync(path.join(PROM, 'alerts.yml'), 'utf8');
    const exprs = [...rules.matchAll(/expr: >-\n((?: {10}.*\n)+)|expr: (.+)\n/g)].map((m) => m[1] ?? m[2]);
    assert.strictEqual(exprs.length, 4);
    for (const name of exprs.flatMap(namesIn)) assert.ok(emitted.has(name), `${name} is not emitted by renderMetrics`);
  });

  it('the dashboard has one repeated row per instance and the operator panels, on emitted series only', async () => {
    const emitted = await emittedNames();
    const d = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as {
      panels: (Panel & { repeat?: string })[];
      templating: { list: { name: string; query: { query: string } }[] };
    };
    const [row, ...panels] = d.panels;
    assert.deepStrictEqual([row.type, row.repeat], ['row', 'instance']);
    assert.deepStrictEqual(
      d.templating.list.map((v) => [v.name, v.query.query]),
      [['instance', 'label_values(csops_build_info, instance)']],
    );
    for (const want of [/RSS vs limit/, /OOM/, /Leaked AI/, /Detached shells/, /Reclaimable/]) {
      assert.ok(
        panels.some((p) => want.test(p.title)),
        `a panel ${want}`,
      );
    }
    for (const p of panels) {
      assert.ok(p.targets?.length, `${p.title} has queries`);
      for (const t of p.targets) {
        assert.match(t.expr, /instance=~"\$instance"/, `${p.title}: ${t.expr} follows the row's instance`);
        for (const name of namesIn(t.expr)) {
          const base = name.replace(/_(bucket|sum|count)$/, '');
          assert.ok(emitted.has(name) || emitted.has(`${base}_bucket`), `${p.title}: ${name} is not emitted`);
        }
      }
    }
  });
});
