import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PlanBook, previewText } from '../../src/core/safety';
import {
  DISK_RESERVE_BYTES,
  FILE_FACTOR,
  PAUSE_MS_PER_MIB,
  checkFreeSpace,
  estimateHeapSnapshot,
  freeBytesOf,
  heapSnapshotKind,
  heapSnapshotWhatHappens,
  looksLikeHeapSnapshot,
  pauseText,
  planHeapSnapshot,
  snapshotFileName,
} from '../../src/features/profile/snapshotPlan';

const MiB = 1024 * 1024;

describe('Write Heap Snapshot: estimate, free space, plan', () => {
  it('estimates the pause and the file size from the used heap with the measured rates', () => {
    const e = estimateHeapSnapshot(100 * MiB);
    assert.strictEqual(e.pauseMs, 100 * PAUSE_MS_PER_MIB);
    assert.strictEqual(e.fileBytes, Math.ceil(100 * MiB * FILE_FACTOR));
    assert.deepStrictEqual(estimateHeapSnapshot(NaN), { heapUsedBytes: 0, pauseMs: 0, fileBytes: 0 });
    assert.deepStrictEqual(estimateHeapSnapshot(-5), { heapUsedBytes: 0, pauseMs: 0, fileBytes: 0 });
  });

  it('the estimate is monotonic and never below the used heap', () => {
    fc.assert(
      fc.property(fc.nat(8 * 1024 * MiB), fc.nat(8 * 1024 * MiB), (a, b) => {
        const [x, y] = [estimateHeapSnapshot(Math.min(a, b)), estimateHeapSnapshot(Math.max(a, b))];
        return x.fileBytes <= y.fileBytes && x.pauseMs <= y.pauseMs && y.fileBytes >= Math.max(a, b);
      }),
    );
  });

  it('the measured factor holds for a real snapshot of a fresh Node process (file ≤ factor × used heap)', function () {
    this.timeout(90_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-heap-'));
    try {
      // a child of its own: the test runner's heap is large and would make this slow; ~20 MB of small live objects
      const script =
        'const v8=require("v8"),fs=require("fs");const keep=[];' +
        'for(let i=0;i<200;i++){const a=[];for(let j=0;j<1000;j++)a.push({i,j,s:"x"+j});keep.push(a);}' +
        'const used=process.memoryUsage().heapUsed;const t=Date.now();const f=v8.writeHeapSnapshot(process.argv[1]);' +
        'console.log(JSON.stringify({used,ms:Date.now()-t,size:fs.statSync(f).size,n:keep.length}));';
      const file = path.join(dir, 'x.heapsnapshot');
      const out = execFileSync(process.execPath, ['-e', script, file], { encoding: 'utf8', timeout: 80_000 });
      const { used, ms, size } = JSON.parse(out) as { used: number; ms: number; size: number };
      assert.ok(used > 10 * MiB, String(used));
      assert.ok(size <= used * FILE_FACTOR * 1.25, `file ${size} vs heap ${used}`);
      assert.ok(size >= used * 0.5, `file ${size} vs heap ${used}`);
      // generous: machines are shared; this catches a rate that is off by an order of magnitude
      assert.ok(ms <= estimateHeapSnapshot(used).pauseMs * 10 + 1000, `pause ${ms} ms vs estimate ${estimateHeapSnapshot(used).pauseMs}`);
      const fd = fs.openSync(file, 'r');
      const head = Buffer.alloc(256);
      fs.readSync(fd, head, 0, 256, 0);
      fs.closeSync(fd);
      assert.ok(looksLikeHeapSnapshot(head.toString('utf8')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('free space is bavail × bsize (numbers or bigints)', () => {
    assert.strictEqual(freeBytesOf({ bavail: 10, bsize: 4096 }), 40960);
    assert.strictEqual(freeBytesOf({ bavail: 10n, bsize: 4096n }), 40960);
    assert.ok(freeBytesOf(fs.statfsSync(os.tmpdir())) > 0);
  });

  it('refuses when the file plus the reserve does not fit, or the space is unknown', () => {
    const e = estimateHeapSnapshot(100 * MiB);
    const exact = e.fileBytes + DISK_RESERVE_BYTES;
    assert.strictEqual(checkFreeSpace(exact, e).ok, true);
    const short = checkFreeSpace(exact - 1, e);
    assert.strictEqual(short.ok, false);
    assert.match(!short.ok ? short.why : '', /only .* free, and the snapshot needs about 160 MB plus 256 MB left free/);
    const unknown = checkFreeSpace(NaN, e);
    assert.strictEqual(unknown.ok, false);
    assert.match(!unknown.ok ? unknown.why : '', /could not be determined/);
  });

  it('pause text', () => {
    assert.strictEqual(pauseText(300), 'under 1 s');
    assert.strictEqual(pauseText(4400), 'about 4 s');
  });

  it('file names sort by time and name the pid', () => {
    assert.strictEqual(snapshotFileName(Date.UTC(2026, 11, 1, 9, 54, 0, 123), 4242), 'Heap-20261201T095400Z-pid4242.heapsnapshot');
    assert.ok(snapshotFileName(1000, 1) < snapshotFileName(2000, 1));
  });

  it('the preview names the file, its size, the pause and the free space; the plan is single-use', () => {
    const t = { file: '/g/heap-snapshots/Heap-x.heapsnapshot', estimate: estimateHeapSnapshot(50 * MiB), freeBytes: 10 * 1024 * MiB };
    const plan = planHeapSnapshot(t, 1000);
    const text = previewText(plan, heapSnapshotWhatHappens(t), 12, heapSnapshotKind);
    assert.strictEqual(text.message, 'Write 1 Heap Snapshot?');
    assert.match(text.detail, /\/g\/heap-snapshots\/Heap-x\.heapsnapshot \(≈ 80 MB, from 50 MB of used heap\)/);
    assert.match(text.detail, /pauses for about 2 s/);
    assert.match(text.detail, /; 10 GB are free there, which suffices/);
    assert.deepStrictEqual(heapSnapshotKind.identity(t), { path: t.file, heapUsedBytes: 50 * MiB, estimatedBytes: t.estimate.fileBytes });
    const book = new PlanBook();
    book.issue(plan);
    assert.deepStrictEqual(book.take(plan, 1001), { ok: true });
    assert.strictEqual(book.take(plan, 1002).ok, false);
  });

  it('recognises the head of a heap snapshot and nothing else', () => {
    assert.ok(looksLikeHeapSnapshot('{"snapshot":{"meta":{"node_fields":["type"'));
    assert.ok(!looksLikeHeapSnapshot('{"nodes":[]}'));
    assert.ok(!looksLikeHeapSnapshot(''));
  });
});
