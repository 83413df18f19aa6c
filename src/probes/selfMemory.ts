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

/**
 * Samples RSS (resident pages × page size — what VmRSS, `ps` and `top` show: via libuv on the real /proc, from
 * <procRoot>/self/status on another root, process.memoryUsage.rss() without /proc) and CPU (process.cpuUsage deltas).
 */
export class SelfSampler {
  private lastCpu = process.cpuUsage();
  private lastAt = Date.now();

  constructor(
    private readonly procRoot = '/proc',
    private readonly procFs: ProcFs = new NodeProcFs(),
  ) {}

  sample(): SelfSample {
    const now = Date.now();
    const cpu = process.cpuUsage();
    const usedUs = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    const wallUs = Math.max(1, (now - this.lastAt) * 1000);
    this.lastCpu = cpu;
    this.lastAt = now;
    return { atMs: now, rssBytes: this.rss(), cpuPercent: (usedUs / wallUs) * 100, uptimeMs: process.uptime() * 1000 };
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
