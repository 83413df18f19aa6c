// Nothing heavy at activation: the modules the core and the AI probe load at activation do not load prom-client, yaml
// or smol-toml; those load on first use (metrics served, an MCP config of that format read). Checked in a fresh Node,
// since this mocha process has loaded them for other suites.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';

const OUT = path.join(__dirname, '../../src');

/** The heavy packages present in require.cache after running `code` in a fresh Node. */
function heavyLoadedAfter(code: string): string[] {
  const script = `${code};
    const heavy = ['prom-client', 'yaml', 'smol-toml'];
    const loaded = Object.keys(require.cache);
    console.log(JSON.stringify(heavy.filter((h) => loaded.some((f) => f.includes('/node_modules/' + h + '/')))));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: OUT, encoding: 'utf8' }).trim()) as string[];
}

describe('Lazy loading of heavy packages', () => {
  it('the scan-cost counter, the scan service and the MCP config reader load none of them', () => {
    const loaded = heavyLoadedAfter(
      ['features/metrics/scanCost.js', 'core/scan.js', 'probes/ai/mcpConfig.js', 'features/profile/model.js']
        .map((f) => `require(${JSON.stringify(path.join(OUT, f))})`)
        .join(';'),
    );
    assert.deepStrictEqual(loaded, []);
  });

  it('they load on first use: a TOML and a YAML config, and the metrics renderer', () => {
    const mcp = JSON.stringify(path.join(OUT, 'probes/ai/mcpConfig.js'));
    const loaded = heavyLoadedAfter(
      `const m = require(${mcp});
       const a = m.parseMcpConfig({ file: '/x/config.toml', assistant: 'codex', format: 'codex' }, '[mcp_servers.a]\\ncommand = "x"\\n');
       const b = m.parseMcpConfig({ file: '/x/config.yaml', assistant: 'continue', format: 'continue' }, 'mcpServers: []\\n');
       if (a.problems.length || b.problems.length) throw new Error(JSON.stringify([a.problems, b.problems]));
       require(${JSON.stringify(path.join(OUT, 'features/metrics/server.js'))})`,
    );
    assert.deepStrictEqual(loaded.sort(), ['prom-client', 'smol-toml', 'yaml']);
  });
});
