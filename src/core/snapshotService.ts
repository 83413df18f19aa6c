// Coalesces scan requests: concurrent callers share one scan; a request that arrives while a scan runs
// gets the result of one follow-up scan (started once the running one ends), so no caller sees stale data,
// bursts never cause more than two scans, and two scans never run at once.
import { Snapshot } from '../probes/scanner';

export class SnapshotService {
  private running?: Promise<Snapshot>;
  private queued?: Promise<Snapshot>;
  private last?: Snapshot;
  private readonly listeners = new Set<(s: Snapshot) => void>();
  scans = 0;

  constructor(private readonly scan: () => Promise<Snapshot>) {}

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
    return this.request();
  }

  /** A snapshot taken after this call started. */
  request(): Promise<Snapshot> {
    // A queued follow-up has not started yet, so its scan begins after this call: share it.
    if (this.queued) return this.queued;
    if (this.running) {
      const queued = this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.start();
        });
      this.queued = queued;
      return queued;
    }
    return this.start();
  }

  private start(): Promise<Snapshot> {
    const p = this.scanOnce();
    this.running = p;
    const clear = (): void => {
      if (this.running === p) this.running = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  private async scanOnce(): Promise<Snapshot> {
    this.scans++;
    const s = await this.scan();
    this.last = s;
    for (const l of this.listeners) l(s);
    return s;
  }
}
