// Coalesces scan requests: concurrent callers share one scan; a request that arrives while a scan runs
// gets the result of the next scan (started once the running one ends), so no caller sees stale data
// and bursts never cause more than two scans.
import { Snapshot } from './scanner';

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

  /** A snapshot taken after this call started. */
  request(): Promise<Snapshot> {
    if (!this.running) {
      this.running = this.run();
      return this.running;
    }
    if (!this.queued) {
      this.queued = this.running.catch(() => undefined).then(() => {
        this.queued = undefined;
        this.running = this.run();
        return this.running;
      });
    }
    return this.queued;
  }

  private async run(): Promise<Snapshot> {
    try {
      this.scans++;
      const s = await this.scan();
      this.last = s;
      for (const l of this.listeners) l(s);
      return s;
    } finally {
      this.running = undefined;
    }
  }
}
