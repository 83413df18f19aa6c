import * as assert from 'assert';
import { Snapshot } from '../../src/probes/scanner';
import { SnapshotService } from '../../src/core/snapshotService';
import { snapshotOf } from './procFixtures';

/** A scan function whose scans end only when the test says so. */
class ManualScans {
  private readonly running: { resolve(s: Snapshot): void; reject(e: Error): void }[] = [];
  private ended = 0;

  readonly scan = (): Promise<Snapshot> => new Promise((resolve, reject) => this.running.push({ resolve, reject }));

  /** Scans started and not yet ended. */
  get inFlight(): number {
    return this.running.length;
  }

  /** Ends the oldest running scan with a new snapshot (numbered by takenAtMs) and returns it. */
  finish(): Snapshot {
    const s = snapshotOf([], { takenAtMs: ++this.ended });
    this.next().resolve(s);
    return s;
  }

  fail(message: string): void {
    this.next().reject(new Error(message));
  }

  private next() {
    const scan = this.running.shift();
    if (!scan) throw new Error('no scan is running');
    return scan;
  }
}

/** Lets every pending promise callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SnapshotService', () => {
  let scans: ManualScans;
  let service: SnapshotService;
  beforeEach(() => {
    scans = new ManualScans();
    service = new SnapshotService(scans.scan);
  });

  it('runs one scan per request when requests do not overlap', async () => {
    const first = service.request();
    assert.strictEqual(scans.inFlight, 1);
    assert.strictEqual(service.latest, undefined);
    const s1 = scans.finish();
    assert.strictEqual(await first, s1);
    assert.strictEqual(service.latest, s1);
    const second = service.request();
    assert.strictEqual(scans.inFlight, 1);
    const s2 = scans.finish();
    assert.strictEqual(await second, s2);
    assert.strictEqual(service.scans, 2);
  });

  it('gives requests made during a scan one shared follow-up scan', async () => {
    const first = service.request();
    const during = [service.request(), service.request(), service.request()];
    assert.strictEqual(during[1], during[0]);
    assert.strictEqual(during[2], during[0]);
    assert.strictEqual(scans.inFlight, 1, 'the follow-up waits for the running scan');
    const s1 = scans.finish();
    await settle();
    assert.strictEqual(scans.inFlight, 1, 'exactly one follow-up scan');
    const s2 = scans.finish();
    assert.strictEqual(await first, s1);
    for (const r of during) assert.strictEqual(await r, s2);
    await settle();
    assert.strictEqual(scans.inFlight, 0);
    assert.strictEqual(service.scans, 2);
    assert.strictEqual(service.latest, s2);
  });

  it('rejects the callers of a failed scan and still runs the follow-up', async () => {
    const first = service.request();
    const during = service.request();
    scans.fail('EIO');
    await assert.rejects(first, /EIO/);
    assert.strictEqual(service.latest, undefined);
    await settle();
    const s2 = scans.finish();
    assert.strictEqual(await during, s2);
    assert.strictEqual(service.scans, 2);
    const later = service.request();
    assert.strictEqual(scans.inFlight, 1, 'a failed scan does not block later ones');
    scans.finish();
    await later;
  });

  it('tells listeners about each scan until they are disposed', async () => {
    const seen: Snapshot[] = [];
    const listener = service.onDidScan((s) => seen.push(s));
    const first = service.request();
    const s1 = scans.finish();
    await first;
    listener.dispose();
    const second = service.request();
    scans.finish();
    await second;
    assert.deepStrictEqual(seen, [s1]);
  });

  // src bug (see the report): run()'s finally clears `running` before the queued follow-up starts, so a caller that
  // resumes from the ended scan and requests again starts a second scan next to the follow-up.
  it('never runs two scans at once, even for a caller resuming from the last scan [src bug: race]', async () => {
    const first = service.request();
    const again = first.then(() => service.request());
    const during = service.request();
    scans.finish();
    await settle();
    assert.strictEqual(scans.inFlight, 1);
    const s2 = scans.finish();
    assert.strictEqual(await during, s2);
    assert.strictEqual(await again, s2);
  });
});

describe('SnapshotService.fresh', () => {
  it('reuses a scan younger than maxAgeMs and scans again otherwise', async () => {
    let scans = 0;
    const svc = new SnapshotService(async () => ({ ...snapshotOf([]), takenAtMs: Date.now(), durationMs: ++scans }) as Snapshot);
    const first = await svc.fresh(10_000);
    assert.strictEqual(scans, 1, 'no snapshot yet: scans');
    assert.strictEqual(await svc.fresh(10_000), first, 'young enough: reused');
    assert.strictEqual(scans, 1);
    await svc.fresh(0);
    assert.strictEqual(scans, 2, 'maxAgeMs 0 always scans');
    (svc.latest as { takenAtMs: number }).takenAtMs -= 20_000;
    await svc.fresh(10_000);
    assert.strictEqual(scans, 3, 'too old: scans');
  });
});

describe('SnapshotService: full (re-validation) and incremental (refresh) scans', () => {
  it('fresh() asks for incremental scans, request(true) for full ones; a full request makes a queued follow-up full', async () => {
    const kinds: boolean[] = [];
    const pending: (() => void)[] = [];
    const svc = new SnapshotService(
      (full) =>
        new Promise<Snapshot>((resolve) => {
          kinds.push(full);
          pending.push(() => resolve({ ...snapshotOf([]), takenAtMs: Date.now() }));
        }),
    );
    const a = svc.fresh(0); // incremental, running
    const b = svc.request(); // incremental follow-up, queued
    const c = svc.request(true); // joins the follow-up: which must now be full
    assert.strictEqual(b, c);
    pending.shift()!();
    await a;
    await settle();
    assert.deepStrictEqual(kinds, [false, true]);
    pending.shift()!();
    await c;
    const d = svc.request(true);
    const e = svc.fresh(0); // queued behind a full scan: an incremental follow-up
    pending.shift()!();
    await d;
    await settle();
    pending.shift()!();
    await e;
    assert.deepStrictEqual(kinds, [false, true, true, false]);
    assert.strictEqual(svc.fullScans, 2);
    assert.strictEqual(svc.scans, 4);
  });
});
