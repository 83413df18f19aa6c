// The fallback when /dev/kmsg cannot be followed: asks dmesg / journalctl -k for OOM-killer lines of a bounded recent
// window, and only when asked (the Memory view is visible, or an OOM counter just went up): never on its own. Each
// poll returns only the events not returned before. Overlapping calls share one read. Pure Node, no `vscode`.
import { KernelOomEvent, KernelOomRead } from './kernelLog';

export interface KernelLogPollerOptions {
  /** Reads the kernel log from `sinceMs` on (readKernelOomEvents with a timeout and an output cap). */
  read(sinceMs: number): Promise<KernelOomRead>;
  /** How far back a poll looks at most. Default 5 min. */
  windowMs?: number;
  /** Overlap with the previous poll (lines logged while it ran, whole-second --since). Default 10 s. */
  overlapMs?: number;
  /** Events remembered to drop repeats. Default 500. */
  maxRemembered?: number;
}

export interface KernelLogPoll {
  /** Events not returned by an earlier poll. */
  events: KernelOomEvent[];
  read: KernelOomRead;
  sinceMs: number;
}

/** One kill line, wherever it was read from (dmesg and the journal give the same line). */
const keyOf = (e: KernelOomEvent): string =>
  `${e.kind}:${e.pid}:${e.comm}:${e.bootSeconds !== undefined ? e.bootSeconds.toFixed(3) : String(Math.round((e.atMs ?? 0) / 1000))}`;

export class KernelLogPoller {
  private lastPollMs?: number;
  private running?: Promise<KernelLogPoll>;
  private readonly seen: string[] = [];
  private readonly seenSet = new Set<string>();
  polls = 0;

  constructor(private readonly o: KernelLogPollerOptions) {}

  /** Reads the window since the previous poll (at most windowMs back); concurrent calls share one read. */
  poll(nowMs: number): Promise<KernelLogPoll> {
    this.running ??= this.run(nowMs).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(nowMs: number): Promise<KernelLogPoll> {
    const windowMs = this.o.windowMs ?? 5 * 60_000;
    const overlapMs = this.o.overlapMs ?? 10_000;
    const sinceMs = Math.max(nowMs - windowMs, this.lastPollMs === undefined ? -Infinity : this.lastPollMs - overlapMs);
    this.polls++;
    const read = await this.o.read(sinceMs);
    this.lastPollMs = nowMs;
    const events: KernelOomEvent[] = [];
    for (const e of read.events) {
      const key = keyOf(e);
      if (this.seenSet.has(key)) continue;
      this.remember(key);
      events.push(e);
    }
    return { events, read, sinceMs };
  }

  private remember(key: string): void {
    this.seen.push(key);
    this.seenSet.add(key);
    const max = this.o.maxRemembered ?? 500;
    while (this.seen.length > max) this.seenSet.delete(this.seen.shift() as string);
  }
}
