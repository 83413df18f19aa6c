// What this window signalled: pid, signal and time of every signal sent through the core's signal primitive, so a
// tree that vanishes right after can be told "stopped by us" (crash classification). Pure: no `vscode`.

export interface SignalNote {
  pid: number;
  signal: string;
  atMs: number;
}

/** A bounded ring of the signals sent (newest last), each kept at most maxAgeMs. */
export class SignalBook {
  private notes: SignalNote[] = [];
  constructor(
    readonly max = 500,
    readonly maxAgeMs = 30 * 60_000,
  ) {}

  note(pid: number, signal: string, atMs: number): void {
    this.notes.push({ pid, signal, atMs });
    const cut = this.notes.findIndex((n) => atMs - n.atMs <= this.maxAgeMs);
    if (cut > 0) this.notes.splice(0, cut);
    if (this.notes.length > this.max) this.notes.splice(0, this.notes.length - this.max);
  }

  /** The first signal sent to one of pids within [fromMs, untilMs], if any. */
  find(pids: readonly number[], fromMs: number, untilMs: number): SignalNote | undefined {
    const set = new Set(pids);
    return this.notes.find((n) => set.has(n.pid) && n.atMs >= fromMs && n.atMs <= untilMs);
  }
}
