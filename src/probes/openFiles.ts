// Which processes use a path under some folders: their exe, cwd or an open file (/proc/PID/{exe,cwd,fd/*}) inside.
// The evidence the Disk view needs before it calls a folder unused. Plain Node, the /proc root is a parameter; it
// yields to the event loop every few processes. A process of this user whose links cannot be read makes the answer
// unknown (never "unused"); other users' processes cannot be read and are counted, not guessed.
import * as path from 'path';
import { performance } from 'perf_hooks';
import { NodeProcFs, ProcFs, errCode } from './procFs';

export interface PathUsers {
  /** Folder → pids whose exe, cwd or an open file is inside it (the folder itself included). */
  users: Map<string, number[]>;
  /** Processes of this user whose links could not be read (then nothing can be called unused). */
  unreadable: number[];
  /** Processes of other users, not readable without privileges: not looked into. */
  otherUsers: number;
  /** /proc itself could not be listed. */
  error?: string;
}

/** The folder of `folders` that contains `p` (or is `p`), if any. */
export function containingFolder(p: string, folders: readonly string[]): string | undefined {
  for (const f of folders) {
    const prefix = f.endsWith('/') ? f : `${f}/`;
    if (p === f || p.startsWith(prefix)) return f;
  }
  return undefined;
}

/** A /proc link target, without the " (deleted)" suffix of a removed file. */
const linkPath = (target: string): string => target.replace(/ \(deleted\)$/, '');

export async function usersOfFolders(
  folders: readonly string[],
  options: { procRoot?: string; selfUid: number; procFs?: ProcFs; isCancelled?: () => boolean },
): Promise<PathUsers & { cancelled: boolean }> {
  const procRoot = options.procRoot ?? '/proc';
  const procFs = options.procFs ?? new NodeProcFs();
  const out = {
    users: new Map<string, number[]>(),
    unreadable: [] as number[],
    otherUsers: 0,
    cancelled: false,
    error: undefined as string | undefined,
  };
  const normalized = folders.map((f) => path.normalize(f));
  let pids: number[];
  try {
    pids = procFs
      .readdir(procRoot)
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch (e) {
    out.error = `cannot list ${procRoot} (${errCode(e)})`;
    return out;
  }
  const mark = (target: string, pid: number): void => {
    const f = containingFolder(linkPath(target), normalized);
    if (!f) return;
    const list = out.users.get(f) ?? [];
    if (!list.includes(pid)) list.push(pid);
    out.users.set(f, list);
  };
  let sliceStart = performance.now();
  for (const pid of pids) {
    if (performance.now() - sliceStart >= 3) {
      if (options.isCancelled?.()) {
        out.cancelled = true;
        return out;
      }
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    const dir = `${procRoot}/${pid}`;
    let uid: number;
    try {
      uid = procFs.uidOf(dir);
    } catch {
      continue; // exited
    }
    if (uid !== options.selfUid) {
      out.otherUsers++;
      continue;
    }
    let fds: string[];
    try {
      fds = procFs.readdir(`${dir}/fd`);
    } catch (e) {
      if (errCode(e) !== 'ENOENT') out.unreadable.push(pid);
      continue;
    }
    for (const link of ['exe', 'cwd']) {
      try {
        mark(procFs.readlink(`${dir}/${link}`), pid);
      } catch {
        // a kernel thread has no exe; an exited process no cwd
      }
    }
    for (const fd of fds) {
      try {
        mark(procFs.readlink(`${dir}/fd/${fd}`), pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return out;
}
