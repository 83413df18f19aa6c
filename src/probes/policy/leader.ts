// One policy runner per server: the windows elect a leader through a lock file in the shared window-registry folder.
// The file holds the holder's pid + start time; another window takes it over only when that process is provably
// gone (its /proc/<pid>/stat re-read now: missing, or another start time). 'unknown' never counts as gone.
// Plain Node (no `vscode`); the liveness check is a parameter so tests can use real pids.
import * as fs from 'fs';
import * as path from 'path';
import { PidCheck } from '../windowRegistry';

export const LEADER_FILE = 'policy-leader.json';

export interface Holder {
  pid: number;
  starttime: number;
}

export type LeaderResult = { leader: true } | { leader: false; holder?: Holder; why: string };

function parseHolder(text: string): Holder | undefined {
  try {
    const v = JSON.parse(text) as Partial<Holder>;
    if (Number.isSafeInteger(v.pid) && Number.isSafeInteger(v.starttime) && (v.pid as number) > 0) {
      return { pid: v.pid as number, starttime: v.starttime as number };
    }
  } catch {
    /* not JSON */
  }
  return undefined;
}

function readHolder(file: string): Holder | 'missing' | 'invalid' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'invalid';
  }
  return parseHolder(text) ?? 'invalid';
}

/** Creates the lock exclusively (O_EXCL); false when another window created it first. */
function create(file: string, self: Holder): boolean {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, JSON.stringify(self), { mode: 0o600, flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

const same = (a: Holder, b: Holder): boolean => a.pid === b.pid && a.starttime === b.starttime;

/**
 * Whether this window (self) is the policy leader now, taking the lock when it is free or its holder is provably
 * gone. A takeover renames the stale file aside first (atomic) and checks that what it moved is the dead holder's
 * lock; if a faster window replaced it meanwhile, that lock is put back and this window does not lead.
 */
export function tryLead(dir: string, self: Holder, check: PidCheck): LeaderResult {
  const file = path.join(dir, LEADER_FILE);
  if (create(file, self)) return { leader: true };
  const holder = readHolder(file);
  if (holder === 'missing') return create(file, self) ? { leader: true } : { leader: false, why: 'another window took the lock' };
  if (holder === 'invalid') return { leader: false, why: `${LEADER_FILE} cannot be read or parsed; not taken over` };
  if (same(holder, self)) return { leader: true };
  const live = check(holder.pid, holder.starttime);
  if (live !== 'gone') return { leader: false, holder, why: `held by pid ${holder.pid} (${live})` };
  const aside = `${file}.${self.pid}-${self.starttime}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { leader: false, why: 'another window took over first' };
    throw e;
  }
  const moved = readHolder(aside);
  if (moved === 'missing' || moved === 'invalid' || !same(moved, holder)) {
    // Not the dead holder's file: a live window's fresh lock. Put it back (unless yet another lock exists).
    try {
      fs.linkSync(aside, file);
    } catch {
      /* a newer lock exists: leave it */
    }
    fs.rmSync(aside, { force: true });
    return { leader: false, why: 'another window took over first' };
  }
  fs.rmSync(aside, { force: true });
  return create(file, self) ? { leader: true } : { leader: false, why: 'another window took over first' };
}

/** Gives the lock up if this window holds it (deactivate). */
export function releaseLead(dir: string, self: Holder): void {
  const file = path.join(dir, LEADER_FILE);
  const holder = readHolder(file);
  if (typeof holder === 'object' && same(holder, self)) fs.rmSync(file, { force: true });
}
