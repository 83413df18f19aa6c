// What each view's badge counts, from the models the views already render: detached shells, leaked + duplicate AI
// sessions and leaked helpers (and idle sessions), extension folders that Clean Up offers. Pure: the views and the
// status bar turn these into text.
import { isReclaimable } from '../../probes/extensionsDir';
import { AiViewModel } from '../ai/model';
import { ExtensionsModel } from '../extensions/model';
import { folderProtection } from '../extensions/plan';
import { TerminalsModel } from '../terminals/model';

export interface TerminalsCount {
  detached: number;
  asOfMs: number;
}

export interface AiCount {
  /** Leaked and duplicate sessions. */
  leaked: number;
  duplicate: number;
  /** Leaked helpers (a worker or language server left behind, not a daemon): the bulk "Stop Leaked…" stops them too. */
  leakedHelpers: number;
  /** Idle sessions (ai/idle; not in the badge number: an idle session is not wrong, only forgotten). */
  idle: number;
  /** leaked + duplicate + leakedHelpers: the badge number. */
  total: number;
  asOfMs: number;
}

export interface ExtensionsCount {
  /** Folders Clean Up All would offer (reclaimable class, not protected). */
  folders: number;
  /** Their bytes sized so far. */
  bytes: number;
  /** Whether some of them are not sized yet (bytes is then a lower bound). */
  sizing: boolean;
  asOfMs: number;
}

export function terminalsCount(m: TerminalsModel): TerminalsCount {
  return { detached: m.detachedCount, asOfMs: m.snapshot.takenAtMs };
}

export function aiCount(m: AiViewModel): AiCount {
  let leaked = 0;
  let duplicate = 0;
  let leakedHelpers = 0;
  for (const { tree: t } of m.rows) {
    if (t.role === 'session') {
      if (t.state === 'leaked') leaked++;
      else if (t.state === 'duplicate') duplicate++;
    } else if (t.state === 'leaked' && !t.daemon) leakedHelpers++; // as the bulk stop: a daemon outlives its session by design
  }
  const total = leaked + duplicate + leakedHelpers;
  return { leaked, duplicate, leakedHelpers, idle: m.idle.length, total, asOfMs: m.snapshot.takenAtMs };
}

/** Nothing is counted when the folder report has an error (nothing is offered then). */
export function extensionsCount(m: ExtensionsModel): ExtensionsCount {
  const r = m.report;
  const offered = r.error ? [] : r.folders.filter((f) => isReclaimable(r, f) && !folderProtection(r, f, m.ctx));
  const unsized = offered.some((f) => !m.sizes.has(f.path));
  return {
    folders: offered.length,
    bytes: offered.reduce((s, f) => s + (m.sizes.get(f.path) ?? 0), 0),
    sizing: unsized,
    asOfMs: m.ctx.nowMs,
  };
}
