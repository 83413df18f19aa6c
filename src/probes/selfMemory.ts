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
 * Samples RSS (VmRSS of /proc/self/status where there is one, the same number `ps` and `top` show;
 * process.memoryUsage.rss() elsewhere) and CPU (process.cpuUsage deltas).
 */
export class SelfSampler {
  private lastCpu = process.cpuUsage();
  private lastAt = Date.now();

  constructor(private readonly procRoot = '/proc', private readonly procFs: ProcFs = new NodeProcFs()) {}

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
    try {
      const r = parseStatusKb(this.procFs.readText(`${this.procRoot}/self/status`), 'VmRSS');
      if (r.ok) return r.value;
    } catch {
      // no /proc: fall through
    }
    return process.memoryUsage.rss();
  }
}
