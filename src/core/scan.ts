// The scan service: one coalesced /proc scan at a time, and its topology (which process is the server, the pty host,
// each extension host…) classified once per scan, so no feature classifies a snapshot again.
import { ScanCache, Snapshot, scanProcesses } from '../probes/scanner';
import { measuredScan } from '../probes/scanCost';
import { Topology, classifyTopology } from '../probes/topology';
import { SnapshotService } from './snapshotService';

export interface Scan {
  snapshot: Snapshot;
  topology: Topology;
}

export interface ScanObserver {
  (snapshot: Snapshot, loopDelayMaxMs: number): void;
}

export class ScanService {
  private readonly service: SnapshotService;
  private readonly topologies = new WeakMap<Snapshot, Topology>();
  private holds = 0;
  /** Incremental refreshes: uid and argv per (pid, start time) survive between scans (actions re-read afresh). */
  readonly cache = new ScanCache();

  constructor(procRoot: () => string, observe: ScanObserver, scan = scanProcesses) {
    this.service = new SnapshotService(async (full) => {
      const root = procRoot();
      const { snapshot, loopDelayMaxMs } = await measuredScan(() =>
        scan(full ? { procRoot: root } : { procRoot: root, cache: this.cache }),
      );
      observe(snapshot, loopDelayMaxMs);
      return snapshot;
    });
  }

  /** The latest scan, if any (never starts one). */
  get latest(): Scan | undefined {
    const s = this.service.latest;
    return s && this.scanOf(s);
  }

  /** The latest scan if younger than maxAgeMs (another view's poll just made one), else a new (incremental) scan. */
  async fresh(maxAgeMs: number): Promise<Scan> {
    const last = this.service.latest;
    if (this.holds > 0 && last) return this.scanOf(last);
    return this.scanOf(await this.service.fresh(maxAgeMs));
  }

  /** A full scan taken after this call started, every file read afresh, never the cache (actions re-validate against this). */
  async request(): Promise<Scan> {
    return this.scanOf(await this.service.request(true));
  }

  /**
   * While held (Profile Extension Host), polls get the latest scan whatever its age, so our own scans do not pollute a
   * profile; request() (an action's re-validation) still scans. Dispose to release.
   */
  hold(): { dispose(): void } {
    this.holds++;
    let released = false;
    return {
      dispose: () => {
        if (!released) this.holds--;
        released = true;
      },
    };
  }

  get held(): boolean {
    return this.holds > 0;
  }

  onDidScan(listener: (scan: Scan) => void): { dispose(): void } {
    return this.service.onDidScan((s) => listener(this.scanOf(s)));
  }

  /** Closes the stat files the incremental cache keeps open (deactivation). A later refresh starts cold. */
  dispose(): void {
    this.cache.clear();
  }

  /** How many scans ran (tests and the bench count them). */
  get count(): number {
    return this.service.scans;
  }

  private scanOf(snapshot: Snapshot): Scan {
    let topology = this.topologies.get(snapshot);
    if (!topology) {
      topology = classifyTopology(snapshot, process.pid);
      this.topologies.set(snapshot, topology);
    }
    return { snapshot, topology };
  }
}
