// The AI Processes model, cached per scan: the tree renders it; the stop commands, metrics and the status bar read it.
import { Core } from '../../core';
import { Scan } from '../../core/scan';
import { ModelSource } from '../../core/source';
import { AiViewModel, aiModelOfSnapshot } from './model';
import { PatternTable, buildPatternTable } from './patterns';

export type AiState = { ok: true; model: AiViewModel } | { ok: false; reason: string };

export class AiSource extends ModelSource<AiState> {
  private patterns: PatternTable;
  private cached?: { scan: Scan; model: AiViewModel };

  constructor(private readonly core: Core) {
    super();
    this.patterns = this.buildPatterns();
  }

  /** csops.ai.extraPatterns changed: rebuild the table (problems go to the log) and forget cached models. */
  reloadPatterns(): void {
    this.patterns = this.buildPatterns();
    this.cached = undefined;
  }

  /** The model of a scan no older than maxAgeMs (0: a new scan); published to the view. */
  async get(maxAgeMs = 0): Promise<AiViewModel | undefined> {
    const state = await this.state(maxAgeMs);
    return state.ok ? state.model : undefined;
  }

  async state(maxAgeMs = 0): Promise<AiState> {
    const scan = await this.core.scans.fresh(maxAgeMs);
    if (scan.snapshot.unavailable) return this.publish({ ok: false, reason: scan.snapshot.unavailable });
    return this.publish({ ok: true, model: this.modelOf(scan) });
  }

  /** The model of a given scan (built once per scan), without publishing it. */
  modelOf(scan: Scan): AiViewModel {
    if (this.cached?.scan.snapshot !== scan.snapshot) {
      this.cached = { scan, model: aiModelOfSnapshot(scan.snapshot, process.pid, this.patterns, scan.topology) };
    }
    return this.cached.model;
  }

  private buildPatterns(): PatternTable {
    const { table, problems } = buildPatternTable(this.core.settings().aiExtraPatterns);
    for (const p of problems) this.core.log.warn(`csops.ai.extraPatterns: ${JSON.stringify(p)}`);
    return table;
  }
}
