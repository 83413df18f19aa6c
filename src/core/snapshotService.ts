// Coalesces scan requests: concurrent callers share one scan; a request that arrives while a scan runs
// gets the result of one follow-up scan (started once the running one ends), so no caller sees stale data,
// bursts never cause more than two scans, and two scans never run at once. A scan is either a refresh (incremental:
// the scanner may reuse what it cached per process) or full (everything read afresh: what actions re-validate with);
// a full request joins a queued follow-up only by making that follow-up full.
import { Snapshot } from '../probes/scanner';

export class SnapshotService {
  private running?: Promise<Snapshot>;
  private queued?: Promise<Snapshot>;
  private queuedFull = false;
  private last?: Snapshot;
  private readonly listeners = new Set<(s: Snapshot) => void>();
  scans = 0;

  /** How many of `scans` were full (read afresh, no cache). */
  fullScans = 0;

  constructor(private readonly scan: (full: boolean) => Promise<Snapshot>) {}

  get latest(): Snapshot | undefined {
    return this.last;
  }

  onDidScan(listener: (s: Snapshot) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The latest snapshot if it is younger than maxAgeMs (e.g. another view's poll just made one), else a new scan. */
  fresh(maxAgeMs: number): Promise<Snapshot> {
    const last = this.last;
    if (maxAgeMs > 0 && last && Date.now() - last.takenAtMs < maxAgeMs) return Promise.resolve(last);
    return this.request(false);
  }

  /** A snapshot taken after this call started; `full`: read afresh, never from the scanner's cache. */
  request(full = false): Promise<Snapshot> {
    // A queued follow-up has not started yet, so its scan begins after this call: share it (full if either asks).
    if (this.queued) {
      if (full) this.queuedFull = true;
      return this.queued;
    }
    if (this.running) {
      this.queuedFull = full;
      const queued = this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.start(this.queuedFull);
        });
      this.queued = queued;
      return queued;
    }
    return this.start(full);
  }

  private start(full: boolean): Promise<Snapshot> {
    const p = this.scanOnce(full);
    this.running = p;
    const clear = (): void => {
      if (this.running === p) this.running = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  private async scanOnce(full: boolean): Promise<Snapshot> {
    this.scans++;
    if (full) this.fullScans++;
    const s = await this.scan(full);
    this.last = s;
    for (const l of this.listeners) l(s);
    return s;
  }
}
