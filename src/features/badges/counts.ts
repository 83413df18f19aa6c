// What each view's badge counts, from the models the views already render: detached shells, leaked + duplicate AI
// sessions (and idle ones), extension folders that Clean Up offers. Pure: the views and the status bar turn these into text.
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
  leaked: number;
  duplicate: number;
  /** Idle sessions (ai/idle; not in the badge number: an idle session is not wrong, only forgotten). */
  idle: number;
  /** leaked + duplicate: the badge number. */
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
  // sessions only: a helper (daemon, worker, backend server) is never counted
  const leaked = m.rows.filter((r) => r.tree.role === 'session' && r.tree.state === 'leaked').length;
  const duplicate = m.rows.filter((r) => r.tree.role === 'session' && r.tree.state === 'duplicate').length;
  return { leaked, duplicate, idle: m.idle.length, total: leaked + duplicate, asOfMs: m.snapshot.takenAtMs };
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
