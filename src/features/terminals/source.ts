// The Terminals model, cached per scan: the tree renders it, the kill commands, metrics and diagnostics read it.
import { Core } from '../../core';
import { Scan } from '../../core/scan';
import { ModelSource } from '../../core/source';
import { TerminalsModel, terminalsModelOf } from './model';

export type TerminalsState = { ok: true; model: TerminalsModel; scan: Scan; deniedCount: number } | { ok: false; reason: string };

export class TerminalsSource extends ModelSource<TerminalsState> {
  private cached?: { scan: Scan; model: Promise<TerminalsModel> };

  constructor(private readonly core: Core) {
    super();
  }

  /** The model of a scan no older than maxAgeMs (0: a new scan); published to the view. */
  async get(maxAgeMs = 0): Promise<TerminalsModel | undefined> {
    const state = await this.state(maxAgeMs);
    return state.ok ? state.model : undefined;
  }

  async state(maxAgeMs = 0): Promise<TerminalsState> {
    const scan = await this.core.scans.fresh(maxAgeMs);
    if (scan.snapshot.unavailable) return this.publish({ ok: false, reason: scan.snapshot.unavailable });
    const model = await this.modelOf(scan);
    const deniedCount = scan.snapshot.skipped.filter((s) => s.reason === 'permission').length;
    return this.publish({ ok: true, model, scan, deniedCount });
  }

  /** The model of a given scan (built once per scan), without publishing it. */
  modelOf(scan: Scan): Promise<TerminalsModel> {
    if (this.cached?.scan.snapshot === scan.snapshot) return this.cached.model;
    const entry = { scan, model: this.build(scan) };
    this.cached = entry;
    entry.model.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return entry.model;
  }

  private build(scan: Scan): Promise<TerminalsModel> {
    const { presence } = this.core;
    return terminalsModelOf(scan, { liveWindows: (s) => presence.liveWindows(s), ownTerminalPids: () => presence.ownTerminalPids() });
  }
}
