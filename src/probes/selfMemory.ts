// Cheap sampling of this extension host's own memory and CPU: one process, no /proc scan.
import { NodeProcFs, ProcFs } from './procFs';
import { parseStatusKb } from './procParsers';

export type MemoryLevel = 'normal' | 'warning' | 'critical';

export interface SelfSample {
  atMs: number;
  rssBytes: number;
  /** CPU use since the previous sample, percent of one core. */
  cpuPercent: number;
  uptimeMs: number;
}

export function memoryLevel(rssBytes: number, warningMb: number, criticalMb: number): MemoryLevel {
  const mb = rssBytes / (1024 * 1024);
  if (mb >= criticalMb) return 'critical';
  if (mb >= warningMb) return 'warning';
  return 'normal';
}

/** Where a sampler reads the time and this process's CPU (injectable for tests). */
export interface SamplerClock {
  /** Monotonic milliseconds. */
  nowMs(): number;
  /** CPU of this process (all threads) since it started, µs. */
  cpuUs(): number;
}

const processClock: SamplerClock = {
  nowMs: () => performance.now(),
  cpuUs: () => {
    const c = process.cpuUsage();
    return c.user + c.system;
  },
};

/** Below this much wall time between two samples the CPU figure is noise (CPU of other threads over ~0 ms). */
const MIN_CPU_WINDOW_MS = 50;

/**
 * Samples RSS (resident pages × page size — what VmRSS, `ps` and `top` show: via libuv on the real /proc, from
 * <procRoot>/self/status on another root, process.memoryUsage.rss() without /proc) and CPU (process.cpuUsage deltas
 * over a monotonic clock; two samples closer than MIN_CPU_WINDOW_MS repeat the previous figure and keep its baseline).
 */
export class SelfSampler {
  private lastCpuUs: number;
  private lastAtMs: number;
  private lastPercent = 0;

  constructor(
    private readonly procRoot = '/proc',
    private readonly procFs: ProcFs = new NodeProcFs(),
    private readonly clock: SamplerClock = processClock,
  ) {
    this.lastCpuUs = clock.cpuUs();
    this.lastAtMs = clock.nowMs();
  }

  sample(): SelfSample {
    const now = this.clock.nowMs();
    const elapsedMs = now - this.lastAtMs;
    if (elapsedMs >= MIN_CPU_WINDOW_MS) {
      const cpu = this.clock.cpuUs();
      this.lastPercent = ((cpu - this.lastCpuUs) / (elapsedMs * 1000)) * 100;
      this.lastCpuUs = cpu;
      this.lastAtMs = now;
    }
    return { atMs: Date.now(), rssBytes: this.rss(), cpuPercent: this.lastPercent, uptimeMs: process.uptime() * 1000 };
  }

  private rss(): number {
    // On the real /proc, libuv reads the same resident-page count from /proc/self/stat without any JS parsing
    // (the cheapest sample: this runs every few seconds for the whole session).
    if (this.procRoot === '/proc') return process.memoryUsage.rss();
    try {
      const r = parseStatusKb(this.procFs.readText(`${this.procRoot}/self/status`), 'VmRSS');
      if (r.ok) return r.value;
    } catch {
      // no /proc: fall through
    }
    return process.memoryUsage.rss();
  }
}
