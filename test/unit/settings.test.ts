import * as assert from 'assert';
import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigSource, DEFAULTS, MIN_QUARANTINE_DAYS, USER_ONLY_SETTINGS, sectionSource, settingsFrom } from '../../src/core/settingsRead';

interface Layers {
  user?: Record<string, unknown>;
  workspace?: Record<string, unknown>;
  folder?: Record<string, unknown>;
}

/** A configuration like vscode's: get() merges default < user < workspace < folder; inspect() tells them apart. */
function config(layers: Layers): ConfigSource {
  const { user = {}, workspace = {}, folder = {} } = layers;
  return {
    get: (key) => folder[key] ?? workspace[key] ?? user[key],
    inspect: (key) => ({ globalValue: user[key], workspaceValue: workspace[key], workspaceFolderValue: folder[key] }),
  };
}

const EVIL_PATTERNS = [{ id: 'evil', tool: 'Evil', kind: 'assistant', match: [{ exe: [`${'**?'.repeat(10)}#`] }] }];
const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
  capabilities: { untrustedWorkspaces: { supported: unknown; restrictedConfigurations?: string[]; description?: string } };
  contributes: { configuration: { properties: Record<string, { scope?: string; minimum?: number }> } };
};

describe('settings', () => {
  it('ignores a workspace or folder value of quarantineDays, extraPatterns and every other user-only setting, and says so', () => {
    const warnings: string[] = [];
    const hostile = {
      procRoot: '/tmp/fake-proc',
      'extensions.dir': '/home/u/project',
      'extensions.quarantineDays': 0,
      'ai.extraPatterns': EVIL_PATTERNS,
      'metrics.enabled': true,
      'metrics.port': 22,
      'terminals.killGraceSeconds': 0,
      'terminals.refreshSeconds': 9,
    };
    const s = settingsFrom(
      config({ user: { 'extensions.quarantineDays': 14 }, workspace: hostile, folder: { 'ai.stopGraceSeconds': 0 } }),
      (m) => warnings.push(m),
    );
    assert.strictEqual(s.quarantineDays, 14, 'the user value applies');
    assert.deepStrictEqual(s.aiExtraPatterns, []);
    assert.strictEqual(s.procRoot, '/proc');
    assert.strictEqual(s.extensionsDir, '');
    assert.strictEqual(s.metricsEnabled, false);
    assert.strictEqual(s.metricsPort, DEFAULTS.metricsPort);
    assert.strictEqual(s.killGraceSeconds, DEFAULTS.killGraceSeconds);
    assert.strictEqual(s.aiStopGraceSeconds, DEFAULTS.aiStopGraceSeconds);
    assert.strictEqual(s.terminalsRefreshSeconds, 9, 'a harmless setting may still come from the workspace');
    assert.strictEqual(warnings.length, 8, warnings.join('\n'));
    assert.ok(warnings.some((w) => /^csops\.extensions\.quarantineDays: the value set in the workspace is ignored/.test(w)));
    assert.ok(warnings.some((w) => w.startsWith('csops.ai.stopGraceSeconds: ')));
  });

  it('takes user values of user-only settings', () => {
    const s = settingsFrom(
      config({ user: { procRoot: '/host/proc/', 'ai.extraPatterns': EVIL_PATTERNS, 'metrics.enabled': true, 'extensions.dir': ' /x ' } }),
    );
    assert.strictEqual(s.procRoot, '/host/proc');
    assert.deepStrictEqual(s.aiExtraPatterns, EVIL_PATTERNS);
    assert.strictEqual(s.metricsEnabled, true);
    assert.strictEqual(s.extensionsDir, '/x');
  });

  it('floors quarantineDays at 1 day (with a log line), and defaults a value that is not a number', () => {
    for (const [v, want, warned] of [
      [0, MIN_QUARANTINE_DAYS, true],
      [-3, MIN_QUARANTINE_DAYS, true],
      [0.5, MIN_QUARANTINE_DAYS, true],
      [1, 1, false],
      [30, 30, false],
      ['0', DEFAULTS.quarantineDays, false],
      [Number.NaN, DEFAULTS.quarantineDays, false],
      [undefined, DEFAULTS.quarantineDays, false],
    ] as const) {
      const warnings: string[] = [];
      assert.strictEqual(
        settingsFrom(config({ user: { 'extensions.quarantineDays': v } }), (m) => warnings.push(m)).quarantineDays,
        want,
        String(v),
      );
      assert.strictEqual(warnings.length, warned ? 1 : 0, `${String(v)}: ${warnings.join()}`);
      if (warned) assert.match(warnings[0], /^csops\.extensions\.quarantineDays: .* below the minimum of 1 day; using 1$/);
    }
  });

  it('package.json gives every user-only setting machine scope and restricts it in untrusted workspaces', () => {
    const props = pkg.contributes.configuration.properties;
    for (const key of USER_ONLY_SETTINGS) {
      assert.ok(props[`csops.${key}`], `csops.${key} is contributed`);
      assert.strictEqual(props[`csops.${key}`].scope, 'machine', `csops.${key}`);
    }
    const trust = pkg.capabilities.untrustedWorkspaces;
    assert.strictEqual(trust.supported, 'limited');
    assert.ok(trust.description && trust.description.length > 10);
    assert.deepStrictEqual([...(trust.restrictedConfigurations ?? [])].sort(), USER_ONLY_SETTINGS.map((k) => `csops.${k}`).sort());
    assert.strictEqual(props['csops.extensions.quarantineDays'].minimum, MIN_QUARANTINE_DAYS);
    const machine = Object.keys(props).filter((k) => props[k].scope === 'machine' || props[k].scope === 'application');
    assert.deepStrictEqual(machine.sort(), USER_ONLY_SETTINGS.map((k) => `csops.${k}`).sort(), 'no other setting is user-only');
  });

  it('reads the same settings and warnings from one inspect of the section as from one inspect per key', () => {
    /** Flat dotted keys as VS Code nests them in a section's values ({ 'a.b': 1 } → { a: { b: 1 } }). */
    const nest = (flat: Record<string, unknown>): Record<string, unknown> => {
      const root: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(flat)) {
        const parts = key.split('.');
        let o = root;
        for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
        o[parts[parts.length - 1]] = v;
      }
      return root;
    };
    const keys = [...USER_ONLY_SETTINGS, 'terminals.refreshSeconds', 'memory.warningMb', 'profile.seconds'];
    const value = fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.constantFrom('act', 'notify', '/proc2', ''), fc.boolean());
    const layer = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 8 });
    fc.assert(
      fc.property(layer, layer, layer, fc.boolean(), (user, workspace, folder, sectionMissing) => {
        const perKey = config({ user, workspace, folder });
        let sectionReads = 0;
        const once = sectionSource(perKey.get, () => {
          sectionReads++;
          return sectionMissing
            ? undefined
            : { globalValue: nest(user), workspaceValue: nest(workspace), workspaceFolderValue: nest(folder) };
        });
        const w1: string[] = [];
        const w2: string[] = [];
        const a = settingsFrom(sectionMissing ? { get: perKey.get, inspect: () => undefined } : perKey, (m) => w1.push(m));
        const b = settingsFrom(once, (m) => w2.push(m));
        assert.deepStrictEqual(b, a);
        assert.deepStrictEqual(w2, w1);
        assert.strictEqual(sectionReads, 1, 'the section is inspected once per read of the settings');
      }),
    );
  });
});
