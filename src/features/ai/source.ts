// The AI Processes model, cached per scan: the tree renders it; the stop commands, metrics and the status bar read it.
import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { McpConfigLocations, McpConfigReader } from '../../probes/ai/mcpConfig';
import { Scan } from '../../core/scan';
import { ModelSource } from '../../core/source';
import { AiViewModel, aiModelOfSnapshot, applyIdle } from './model';
import { IdleHistory } from './idle';
import { PatternTable, buildConfiguredIndex, buildPatternTable } from './patterns';

export type AiState = { ok: true; model: AiViewModel } | { ok: false; reason: string };

export class AiSource extends ModelSource<AiState> {
  /** Built on first use (a model or a reload), not at activation. */
  private table?: PatternTable;
  private cached?: { scan: Scan; model: AiViewModel };

  private readonly mcpConfig = new McpConfigReader();
  /** CPU history per (root pid, start time) for idle sessions (./idle): bounded, pruned every scan. */
  private readonly idleHistory: IdleHistory = new Map();

  /** @param userDir the user-data `User/` folder (VS Code's mcp.json, the extensions' globalStorage). */
  constructor(
    private readonly core: Core,
    private readonly userDir?: string,
  ) {
    super();
  }

  /** csops.ai.extraPatterns changed: rebuild the table (problems go to the log) and forget cached models. */
  reloadPatterns(): void {
    this.table = undefined;
    this.cached = undefined;
  }

  /** The table for the current csops.ai.extraPatterns; its problems are logged when it is built. */
  private get patterns(): PatternTable {
    return (this.table ??= this.buildPatterns());
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
      // The assistants' MCP configuration: files are stat'ed per scan and parsed again only when they changed.
      const config = this.mcpConfig.read(this.configLocations());
      const configured = { index: buildConfiguredIndex(config.servers), problems: config.problems.map((p) => `${p.file}: ${p.reason}`) };
      const model = aiModelOfSnapshot(scan.snapshot, process.pid, this.patterns, scan.topology, configured);
      // Scans are folded into the idle history in the order they were taken (an older scan arriving late is not).
      if (!this.cached || scan.snapshot.takenAtMs >= this.cached.scan.snapshot.takenAtMs) {
        applyIdle(model, {
          history: this.idleHistory,
          idleMs: this.core.settings().aiIdleMinutes * 60_000,
          home: os.homedir(),
          mtimeOf: mtimeOf,
        });
      }
      this.cached = { scan, model };
    }
    return this.cached.model;
  }

  private configLocations(): McpConfigLocations {
    const workspaces = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    return { home: os.homedir(), workspaces, userDir: this.userDir };
  }

  private buildPatterns(): PatternTable {
    const { table, problems } = buildPatternTable(this.core.settings().aiExtraPatterns);
    for (const p of problems) this.core.log.warn(`csops.ai.extraPatterns: ${JSON.stringify(p)}`);
    return table;
  }
}

function mtimeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
