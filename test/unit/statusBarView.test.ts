// The status-bar item's rendering (src/features/memory/statusBarView.ts): figures coarse enough that two samples of an
// idle host that differ only in noise (CPU %, seconds of uptime, the trend's last digits, RSS within the same MB) set
// no property of the item; real changes set exactly the properties that changed.
import * as assert from 'assert';
import {
  ItemInput,
  ItemStrings,
  ShownItem,
  coarseCpu,
  coarseSlope,
  coarseUptime,
  itemState,
} from '../../src/features/memory/statusBarView';

const MB = 1024 * 1024;
const strings: ItemStrings = {
  text: (rss) => `$(pulse) ExtHost ${rss}`,
  label: (rss, level) => `Extension host memory ${rss}, ${level}`,
  profile: 'Profile Extension Host…',
};
const min = 60_000;

function input(sample: Partial<ItemInput['sample']>, memory: ItemInput['memory'] = {}): ItemInput {
  return {
    pid: 4242,
    sample: { atMs: 0, rssBytes: 180 * MB, cpuPercent: 0.3, uptimeMs: 2 * 3_600_000 + 10 * min + 5000, ...sample },
    warningMb: 1024,
    criticalMb: 2048,
    memory: { slopeMbPerMin: 0.012, views: ['Terminals: 2'], ...memory },
    profileCommand: 'csops.profileExtensionHost',
  };
}

describe('status bar: coarse figures, nothing set for noise', () => {
  it('two samples that differ only in noise set nothing', () => {
    const shown = new ShownItem();
    const first = itemState(input({}), strings);
    assert.deepStrictEqual(shown.changes(first), ['text', 'level', 'label', 'tooltip']);
    const noise = itemState(
      input(
        { atMs: 30_000, rssBytes: 180.4 * MB, cpuPercent: 0.71, uptimeMs: 2 * 3_600_000 + 10 * min + 35_000 },
        { slopeMbPerMin: -0.031, views: ['Terminals: 2'] },
      ),
      strings,
    );
    assert.deepStrictEqual(shown.changes(noise), []);
    assert.deepStrictEqual(shown.changes(noise), [], 'the same state twice');
  });

  it('real changes set what changed, only that', () => {
    const shown = new ShownItem();
    shown.changes(itemState(input({}), strings));
    assert.deepStrictEqual(shown.changes(itemState(input({ cpuPercent: 12.4 }), strings)), ['tooltip']);
    assert.deepStrictEqual(shown.changes(itemState(input({ cpuPercent: 12.4, rssBytes: 250 * MB }), strings)), [
      'text',
      'label',
      'tooltip',
    ]);
    assert.deepStrictEqual(shown.changes(itemState(input({ cpuPercent: 12.4, rssBytes: 1100 * MB }), strings)), [
      'text',
      'level',
      'label',
      'tooltip',
    ]);
    const oom = itemState(input({ cpuPercent: 12.4, rssBytes: 1100 * MB }, { recentOom: 'cgroup OOM: 1 kill(s)' }), strings);
    assert.strictEqual(oom.level, 'critical', 'an OOM in the last hour is critical, whatever the RSS');
    assert.deepStrictEqual(shown.changes(oom), ['level', 'label', 'tooltip']);
  });

  it('the tooltip: coarse CPU, uptime, trend; restart loops as text; the extension hosts of a scan', () => {
    const s = itemState(
      input({ cpuPercent: 3.6 }, { slopeMbPerMin: 1.26, loops: ['pty host: 3 ends in 5 min', 'other'], recentOom: 'x' }),
      strings,
    );
    const md = s.tooltip.map((p) => ('md' in p ? p.md : `<text:${p.text}>`)).join('');
    assert.match(md, /RSS: 180 MB · CPU: 4 % · up 2 h\n/);
    assert.match(md, /Trend \(10 min\): \+1\.3 MB\/min/);
    assert.match(md, /<text:pty host: 3 ends in 5 min \(\+1 more\)>/);
    assert.match(md, /\[Profile Extension Host…\]\(command:csops\.profileExtensionHost\)$/);
    assert.match(md, /Open the code-server Ops sidebar/);
    const withHosts = itemState(
      {
        ...input({}),
        hosts: {
          asOf: '12:00:00',
          rows: [
            { pid: 4242, rssBytes: 180 * MB },
            { pid: 7, rssBytes: MB },
          ],
        },
      },
      strings,
    );
    const md2 = withHosts.tooltip.map((p) => ('md' in p ? p.md : p.text)).join('');
    assert.match(md2, /2 extension hosts \(as of 12:00:00\):\n\n- pid 4242 \(this window\): 180 MB\n- pid 7: 1 MB\n/);
  });

  it('coarse figures', () => {
    assert.deepStrictEqual([0, 0.4, 0.99, 1, 1.49, 1.5, 57.2, NaN].map(coarseCpu), [
      '< 1 %',
      '< 1 %',
      '< 1 %',
      '1 %',
      '1 %',
      '2 %',
      '57 %',
      '?',
    ]);
    assert.deepStrictEqual(
      [12_000, 9 * min + 59_999, 10 * min, 17 * min, 59 * min, 4 * 60 * min + 50 * min, 26 * 60 * min + 30 * min, -1].map(coarseUptime),
      ['< 10 min', '< 10 min', '10 min', '10 min', '50 min', '4 h', '1 d 2 h', '?'],
    );
    assert.deepStrictEqual([0, 0.049, -0.049, 0.05, -0.26, 2].map(coarseSlope), [
      'flat',
      'flat',
      'flat',
      '+0.1 MB/min',
      '-0.3 MB/min',
      '+2.0 MB/min',
    ]);
  });
});
