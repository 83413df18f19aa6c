import * as assert from 'assert';
import fc from 'fast-check';
import { DEFAULT_PATTERN_TABLE, matchArgv } from '../../src/features/ai/patterns';
import { IDLE_CPU_FRACTION, IdleHistory, MAX_IDLE_ENTRIES, claudeTranscriptPath, idleKey, updateIdle } from '../../src/features/ai/idle';
import { AiViewModel, applyIdle } from '../../src/features/ai/model';
import { foregroundJobs, planStopIdle, planStopLeakedAndDuplicates, revalidateAi } from '../../src/features/ai/plan';
import { planIdleAi } from '../../src/features/policies/plan';
import { aiCount } from '../../src/features/badges/counts';
import { Snapshot } from '../../src/probes/scanner';
import { editSnapshot, proc } from './procFixtures';
import { AI, AI_NOW, aiProcess, aiViewOf, rowAt, scanAi } from './aiFixtures';

const H = '/home/u';
const CLK = 100;
const MIN = 60_000;
const ctx = { selfPid: AI.extHost, selfUid: 0, nowMs: AI_NOW, home: '/home/coder' };

describe('AI helpers (daemons, workers, backend servers) told from sessions', () => {
  const helper = (argv: string[]) => {
    const m = matchArgv(argv, DEFAULT_PATTERN_TABLE);
    return m && { tool: m.tool, helper: m.helper === true, label: m.label };
  };
  // Each shape with its public source.
  const cases: [string, string[], string, string][] = [
    // anthropics/claude-code#74641: the self-respawned background workers of the native binary
    [
      'Claude pre-warmed worker',
      [`${H}/.local/share/claude/versions/2.1.201`, '--bg-spare', '/tmp/cc-daemon-1000/x/spare/a.claim.sock'],
      'Claude Code',
      'pre-warmed worker',
    ],
    [
      'Claude pty host',
      [`${H}/.local/share/claude/versions/2.1.201`, '--bg-pty-host', '/tmp/cc-daemon-1000/x/spare/a.pty.sock'],
      'Claude Code',
      'pty host',
    ],
    // a setproctitle title over argv (one element with spaces), as `process.title = 'claude daemon'` leaves it
    ['Claude daemon title', ['claude daemon'], 'Claude Code', 'daemon'],
    ['Claude daemon title with trailing empty elements', ['claude daemon', '', ''], 'Claude Code', 'daemon'],
    // cursor/cursor#3588: worker-server left running by cursor-agent
    [
      'Cursor worker-server',
      [
        `${H}/.local/share/cursor-agent/versions/2025.09.12-4852336/node`,
        `${H}/.local/share/cursor-agent/versions/2025.09.12-4852336/index.js`,
        'worker-server',
      ],
      'Cursor Agent',
      'worker server',
    ],
    // dylanneve1/talon#161, Kilo-Org/kilocode#10786: the shared `kilo serve` backend
    ['kilo serve', ['kilo', 'serve', '--hostname', '127.0.0.1', '--port', '4097'], 'Kilo Code', 'backend (kilo serve)'],
    // openai/codex#20599: the extension's app-server
    [
      'codex app-server',
      [
        `${H}/.vscode-server/extensions/openai.chatgpt-26.422.71525-linux-x64/bin/linux-x86_64/codex`,
        'app-server',
        '--analytics-default-enabled',
      ],
      'Codex',
      'app-server',
    ],
    // opencode.ai docs (server): `opencode serve`
    ['opencode serve', [`${H}/.opencode/bin/opencode`, 'serve', '--port', '4096'], 'OpenCode', 'server'],
  ];
  for (const [what, argv, tool, label] of cases) {
    it(`${what} is a helper of ${tool}`, () => {
      assert.deepStrictEqual(helper(argv), { tool, helper: true, label });
    });
  }

  it('sessions of the same tools stay sessions', () => {
    for (const argv of [
      [`${H}/.local/share/claude/versions/2.1.201`, '--resume', '0d11532e-25c1-4578-a3a1-daf7d32919f7'],
      ['claude', '--dangerously-skip-permissions'],
      [
        `${H}/.local/share/cursor-agent/versions/2025.09.12-4852336/node`,
        `${H}/.local/share/cursor-agent/versions/2025.09.12-4852336/index.js`,
      ],
      [`${H}/.opencode/bin/opencode`],
    ]) {
      const m = matchArgv(argv);
      assert.ok(m && !m.helper, argv.join(' '));
    }
    // a title that is not a helper's, and a title of something else
    assert.strictEqual(matchArgv(['claude [libfoo]'])?.helper, undefined);
    assert.strictEqual(matchArgv(['claude [libfoo]'])?.tool, 'Claude Code');
    assert.strictEqual(matchArgv(['postgres: checkpointer']), undefined);
    assert.strictEqual(matchArgv(['/home/u/My Apps/claude daemon']), undefined, 'a path with spaces is not a title');
  });

  describe('in the ai fixture', () => {
    let snap: Snapshot;
    let model: AiViewModel;
    const DAEMON = 20250;
    const SPARE1 = 20760;
    const SPARE2 = 20770;
    const WORKER = 20780;
    const cursor = '/home/coder/.local/share/cursor-agent/versions/2025.09.12-4852336';
    const bin = '/home/coder/.local/share/claude/versions/2.1.201';
    before(async () => {
      const base = await scanAi();
      snap = editSnapshot(base, {}, [
        aiProcess(base, DAEMON, AI.claudeNew, ['claude daemon'], 60),
        // two self-respawned workers reparented to init: helpers, not leaked duplicates of each other
        aiProcess(base, SPARE1, AI.init, [bin, '--bg-spare', '/tmp/cc-daemon-1000/a.claim.sock'], 600),
        aiProcess(base, SPARE2, AI.init, [bin, '--bg-spare', '/tmp/cc-daemon-1000/b.claim.sock'], 300),
        // cursor/cursor#3588: a worker-server left behind by a cursor-agent that exited
        aiProcess(base, WORKER, AI.init, [`${cursor}/node`, `${cursor}/index.js`, 'worker-server'], 900),
      ]);
      model = aiViewOf(snap);
    });

    it('a helper child of a session is its own tree under the session, labelled helper, never a duplicate', () => {
      const d = rowAt(model, DAEMON).tree;
      assert.deepStrictEqual(
        [d.role, d.tool, d.label, d.parentRootPid, d.state],
        ['helper', 'Claude Code', 'daemon', AI.claudeNew, 'active'],
      );
      assert.ok(rowAt(model, AI.claudeNew).tree.childRootPids.includes(DAEMON));
      assert.ok(!rowAt(model, AI.claudeNew).tree.memberPids.includes(DAEMON));
      for (const pid of [SPARE1, SPARE2]) {
        const t = rowAt(model, pid).tree;
        assert.strictEqual(t.role, 'helper');
        assert.notStrictEqual(t.state, 'duplicate');
      }
    });

    it('helpers are not counted as sessions, nor in the leaked count; the badge counts only the leaked worker', () => {
      const before = aiViewOf(editSnapshot(snap, { [DAEMON]: null, [SPARE1]: null, [SPARE2]: null, [WORKER]: null }));
      assert.strictEqual(model.totals.sessions, before.totals.sessions);
      assert.strictEqual(model.totals.helpers, before.totals.helpers + 4);
      assert.strictEqual(model.totals.leaked, before.totals.leaked);
      // the badge counts what the leaked bulk stop stops: the orphaned worker-server, not the daemons
      assert.deepStrictEqual([aiCount(model).leakedHelpers, aiCount(model).total], [1, aiCount(before).total + 1]);
    });

    it('the leaked bulk stop takes a leaked worker but leaves daemons (detached by design) out, and says why', () => {
      const plan = planStopLeakedAndDuplicates(model, ctx);
      assert.ok(!plan.targets.some((t) => t.pid === SPARE1 || t.pid === SPARE2));
      assert.ok(
        plan.targets.some((t) => t.pid === WORKER),
        'the orphaned worker-server is stopped',
      );
      const left = plan.notIncluded?.filter((n) => n.name.includes(`pid ${SPARE1}`) || n.name.includes(`pid ${SPARE2}`)) ?? [];
      assert.strictEqual(left.length, 2);
      for (const n of left) assert.match(n.reason, /pre-warmed worker of Claude Code: it outlives its session by design/);
      assert.strictEqual(rowAt(model, WORKER).tree.state, 'leaked');
    });

    it('Stop Idle AI Sessions… never takes helpers', () => {
      const plan = planStopIdle(model, ctx, new Map());
      for (const pid of [SPARE1, SPARE2, WORKER]) {
        assert.ok(!plan.targets.some((t) => t.pid === pid));
        assert.match(plan.notIncluded?.find((n) => n.name.includes(`pid ${pid}`))?.reason ?? '', /not a session/);
      }
    });
  });
});

describe('AI idle sessions', () => {
  const opts = { idleMs: 30 * MIN, clockTicks: CLK };

  it('reports a tree idle only after N minutes of low CPU, from its first scan', () => {
    const h: IdleHistory = new Map();
    const k = idleKey(1, 1);
    assert.strictEqual(updateIdle(h, [{ key: k, ticks: 0 }], 0, opts).get(k)?.idle, false);
    assert.strictEqual(updateIdle(h, [{ key: k, ticks: 10 }], 29 * MIN, opts).get(k)?.idle, false);
    assert.deepStrictEqual(updateIdle(h, [{ key: k, ticks: 12 }], 30 * MIN, opts).get(k), { idle: true, quietForMs: 30 * MIN });
  });

  it('a recent transcript write keeps a quiet tree from being idle', () => {
    const h: IdleHistory = new Map();
    const k = idleKey(1, 1);
    updateIdle(h, [{ key: k, ticks: 0 }], 0, opts);
    const v = updateIdle(h, [{ key: k, ticks: 0, transcriptMtimeMs: 40 * MIN }], 45 * MIN, opts).get(k);
    assert.deepStrictEqual(v, { idle: false, quietForMs: 5 * MIN });
  });

  it('drops the history of trees that are gone and stays bounded', () => {
    const h: IdleHistory = new Map();
    updateIdle(
      h,
      [
        { key: 'a', ticks: 0 },
        { key: 'b', ticks: 0 },
      ],
      0,
      opts,
    );
    updateIdle(h, [{ key: 'b', ticks: 0 }], 1000, opts);
    assert.deepStrictEqual([...h.keys()], ['b']);
    const many = Array.from({ length: MAX_IDLE_ENTRIES + 50 }, (_, i) => ({ key: `k${i}`, ticks: 0 }));
    updateIdle(h, many, 2000, opts);
    assert.ok(h.size <= MAX_IDLE_ENTRIES);
  });

  it('property: never idle before N minutes of low CPU; a CPU burst resets the clock', () => {
    const step = fc.record({ dtMs: fc.integer({ min: 1000, max: 10 * MIN }), burst: fc.boolean(), ticks: fc.nat({ max: 1000 }) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 60 }), (steps, minutes) => {
        const o = { idleMs: minutes * MIN, clockTicks: CLK };
        const h: IdleHistory = new Map();
        let now = 0;
        let ticks = 0;
        updateIdle(h, [{ key: 'k', ticks }], now, o);
        let quietSince = now;
        for (const s of steps) {
          now += s.dtMs;
          // a burst: more than the threshold over the interval; otherwise at most half of it
          const limit = (IDLE_CPU_FRACTION * CLK * s.dtMs) / 1000;
          const used = s.burst ? Math.ceil(limit) + 1 + s.ticks : Math.floor((limit / 2) * (s.ticks / 1000));
          ticks += used;
          const v = updateIdle(h, [{ key: 'k', ticks }], now, o).get('k')!;
          if (s.burst) {
            quietSince = now;
            assert.strictEqual(v.idle, false, 'a burst resets idle');
          }
          assert.strictEqual(v.quietForMs, now - quietSince);
          if (now - quietSince < o.idleMs) assert.strictEqual(v.idle, false, 'never idle before N minutes of low CPU');
          else assert.strictEqual(v.idle, true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("Claude Code's transcript path follows its projects/ naming", () => {
    assert.strictEqual(
      claudeTranscriptPath('/home/coder', '/home/coder/ws/app', '4f6e2b1a-8c3d-4e5f-9a7b-1c2d3e4f5a6b'),
      '/home/coder/.claude/projects/-home-coder-ws-app/4f6e2b1a-8c3d-4e5f-9a7b-1c2d3e4f5a6b.jsonl',
    );
  });

  describe('in the ai fixture: shown, counted, and stopped in bulk except the foreground job', () => {
    let snap: Snapshot;
    const models = (later: Snapshot, mtimeOf: (f: string) => number | undefined = () => undefined) => {
      const h: IdleHistory = new Map();
      const first = aiViewOf(snap);
      applyIdle(first, { history: h, idleMs: 30 * MIN, home: '/home/coder', mtimeOf });
      const second = aiViewOf(later);
      applyIdle(second, { history: h, idleMs: 30 * MIN, home: '/home/coder', mtimeOf });
      return { first, second };
    };
    before(async () => {
      snap = await scanAi();
    });
    const later = (edits: Parameters<typeof editSnapshot>[1] = {}) => ({
      ...editSnapshot(snap, edits),
      takenAtMs: snap.takenAtMs + 31 * MIN,
    });

    it('every quiet assistant session is idle after N minutes; MCP servers and helpers never are', () => {
      const { first, second } = models(later());
      assert.strictEqual(first.idle.length, 0);
      assert.ok(second.idle.length > 0);
      for (const t of second.idle) assert.deepStrictEqual([t.kind, t.role], ['assistant', 'session']);
      assert.ok(!second.idle.some((t) => t.root.pid === AI.codexAppServer), 'the app-server is a helper');
      assert.strictEqual(second.totals.idle, second.idle.length);
      assert.strictEqual(aiCount(second).idle, second.idle.length);
      assert.ok(rowAt(second, AI.claudeNew).idle?.idle);
    });

    it('a tree that burned CPU between the scans is not idle', () => {
      const cpu = proc(snap, AI.claudeBash).cpuTicks + 31 * 60 * CLK; // a full core for 31 minutes
      const { second } = models(later({ [AI.claudeBash]: { cpuTicks: cpu } }));
      assert.strictEqual(rowAt(second, AI.claudeNew).idle?.idle, false);
    });

    it('a transcript written recently keeps a Claude session from being idle', () => {
      const { second } = models(later(), (f) => (f.includes('-home-coder-ws-app') ? snap.takenAtMs + 30 * MIN : undefined));
      const idle = rowAt(second, AI.claudeNew).idle;
      assert.strictEqual(idle?.idle, false);
      assert.match(idle?.transcript ?? '', /\.claude\/projects\/-home-coder-ws-app\//);
    });

    it('Stop Idle AI Sessions… leaves out the foreground job of a terminal of this window, says so, and re-checks it at commit', () => {
      const claude = proc(snap, AI.claudeNew);
      const fgSnap = later({ [AI.shell1]: { tpgid: claude.pgrp } });
      const { second } = models(fgSnap);
      const none = planStopIdle(second, ctx, foregroundJobs(second, new Set()));
      assert.ok(
        none.targets.some((t) => t.pid === AI.claudeNew),
        'without the window terminal it is a target',
      );
      const fg = foregroundJobs(second, new Set([AI.shell1]));
      assert.ok(fg.has(AI.claudeNew));
      const plan = planStopIdle(second, ctx, fg);
      assert.ok(!plan.targets.some((t) => t.rootPid === AI.claudeNew));
      const note = plan.notIncluded?.find((n) => n.name.includes(`pid ${AI.claudeNew}`));
      assert.match(note?.reason ?? '', /foreground job of terminal shell 20100 of this window/);
      // at commit: a target that became the foreground job (or busy) is skipped
      const target = none.targets.find((t) => t.pid === AI.claudeNew)!;
      const checked = revalidateAi([target], second, { selfPid: AI.extHost, selfUid: 0 }, 'idle', fg);
      assert.strictEqual(checked.valid.length, 0);
      assert.match(checked.skipped[0].because, /foreground job/);
      const ok = revalidateAi([target], second, { selfPid: AI.extHost, selfUid: 0 }, 'idle', new Map());
      assert.strictEqual(ok.valid.length, 1);
    });

    it('the idleAi policy: only sessions quiet at least its minutes, never the foreground job of an attached terminal of any window', () => {
      const claude = proc(snap, AI.claudeNew);
      const { second } = models(later({ [AI.shell1]: { tpgid: claude.pgrp } }));
      const roots = (p: { targets: { rootPid: number }[] }) => new Set(p.targets.map((t) => t.rootPid));
      assert.ok(roots(planIdleAi(second, 30, ctx, new Set())).has(AI.claudeNew), 'quiet 31 min ≥ 30');
      const longer = planIdleAi(second, 60, ctx, new Set());
      assert.strictEqual(longer.targets.length, 0, 'nothing has been quiet for an hour');
      assert.match(longer.notIncluded?.find((n) => n.name.includes(`pid ${AI.claudeNew}`))?.reason ?? '', /idle for 31 min.*less than 1 h/);
      const attached = planIdleAi(second, 30, ctx, new Set([AI.shell1]));
      assert.ok(!roots(attached).has(AI.claudeNew), 'the foreground job of an attached shell');
      assert.match(attached.notIncluded?.find((n) => n.name.includes(`pid ${AI.claudeNew}`))?.reason ?? '', /foreground job/);
      assert.strictEqual(attached.action, 'stop-idle-ai');
    });
  });
});
