// Idle AI sessions: a session tree whose CPU (utime + stime of every process in it, nested trees included) stayed
// below a threshold across consecutive scans for N minutes, and whose transcript (when known) was not written for N
// minutes. The CPU history is a small map per (root pid, start time) that the AI source keeps between scans; a key
// whose process is gone is dropped, and the map never holds more than MAX_IDLE_ENTRIES. Pure.

/** Below this share of one core (averaged between two scans) a tree counts as quiet. */
export const IDLE_CPU_FRACTION = 0.02;
/** Bound of the history (entries beyond it, least recently seen first, are dropped). */
export const MAX_IDLE_ENTRIES = 512;

export interface CpuTrack {
  /** Summed CPU ticks of the tree at the last scan. */
  ticks: number;
  atMs: number;
  /** When the tree was last seen busy (or first seen: nothing is known before that). */
  quietSinceMs: number;
}

export type IdleHistory = Map<string, CpuTrack>;

export interface IdleSample {
  /** `${root pid}:${root start time}`. */
  key: string;
  /** utime + stime of the whole tree, clock ticks. */
  ticks: number;
  /** mtime of the session's transcript, when known. */
  transcriptMtimeMs?: number;
}

export interface IdleOptions {
  idleMs: number;
  clockTicks: number;
  cpuFraction?: number;
  maxEntries?: number;
}

export interface IdleVerdict {
  /** How long the tree has been quiet (CPU and transcript), ms. */
  quietForMs: number;
  idle: boolean;
}

export const idleKey = (pid: number, starttime: number): string => `${pid}:${starttime}`;

/**
 * Folds one scan into the history and says, per sample, how long its tree has been quiet and whether that makes it
 * idle. A tree seen for the first time has been quiet for 0 ms (nothing is known before); a rise of more than
 * cpuFraction of one core between two scans resets the clock; ticks that went down (a member exited) reset the
 * baseline without counting as work. Keys not in `samples` are dropped.
 */
export function updateIdle(
  history: IdleHistory,
  samples: readonly IdleSample[],
  nowMs: number,
  opts: IdleOptions,
): Map<string, IdleVerdict> {
  const fraction = opts.cpuFraction ?? IDLE_CPU_FRACTION;
  const out = new Map<string, IdleVerdict>();
  const seen = new Set<string>();
  for (const s of samples) {
    seen.add(s.key);
    let track = history.get(s.key);
    if (!track) {
      track = { ticks: s.ticks, atMs: nowMs, quietSinceMs: nowMs };
      history.set(s.key, track);
    } else if (nowMs > track.atMs) {
      const used = s.ticks - track.ticks;
      const seconds = (nowMs - track.atMs) / 1000;
      if (used > 0 && used / opts.clockTicks / seconds > fraction) track.quietSinceMs = nowMs;
      track.ticks = s.ticks;
      track.atMs = nowMs;
    } else if (s.ticks > track.ticks) {
      // the same instant (or a clock step back): any new work is a burst
      track.quietSinceMs = nowMs;
      track.ticks = s.ticks;
    }
    let quietForMs = Math.max(0, nowMs - track.quietSinceMs);
    if (s.transcriptMtimeMs !== undefined) quietForMs = Math.min(quietForMs, Math.max(0, nowMs - s.transcriptMtimeMs));
    out.set(s.key, { quietForMs, idle: quietForMs >= opts.idleMs });
  }
  for (const k of [...history.keys()]) if (!seen.has(k)) history.delete(k);
  const max = opts.maxEntries ?? MAX_IDLE_ENTRIES;
  if (history.size > max) {
    const oldest = [...history.entries()].sort((a, b) => a[1].atMs - b[1].atMs).slice(0, history.size - max);
    for (const [k] of oldest) history.delete(k);
  }
  return out;
}

/**
 * Where Claude Code writes the transcript of a session: `~/.claude/projects/<cwd, every character other than a
 * letter or digit replaced by '-'>/<session id>.jsonl` (anthropics/claude-code#4926).
 */
export function claudeTranscriptPath(home: string, cwd: string, sessionId: string): string {
  return `${home}/.claude/projects/${cwd.replace(/[^A-Za-z0-9]/g, '-')}/${sessionId}.jsonl`;
}
