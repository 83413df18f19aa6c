// This window's entry in the shared window registry: its extension-host identity and the pids of its terminals,
// written whole on terminal, extension and folder changes, and kept fresh by a heartbeat (a job of the shared ticker,
// riding along with the sampling tick; every 60 s while someone looks at the window, 120 s while nobody does — see
// heartbeat.ts) that only touches the file's mtime while the entry still says it all; written whole with the new
// period (heartbeatMs) when that changes; removed on deactivate.
import * as vscode from 'vscode';
import { Snapshot, readProcess } from '../probes/scanner';
import { processIdsOf } from '../features/terminals/model';
import { Ticker } from './ticker';
import { WindowAttention } from './attention';
import { Heartbeat } from './heartbeat';
import { WindowEntry, liveEntries, pruneDeadEntries, readEntries, removeEntry, touchEntry, writeEntry } from '../probes/windowRegistry';

/** terminal.processId waits for workspace trust; never let a refresh hang on it. */
const PROCESS_ID_TIMEOUT_MS = 1500;

export class WindowPresence implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly heartbeat: Heartbeat;
  readonly starttime: number | undefined;

  constructor(
    readonly dir: string,
    procRoot: string,
    private readonly log: vscode.LogOutputChannel,
    /** The host's one timer; the heartbeat is one of its jobs (no wake-up of its own). */
    ticker: Ticker,
    /** Whether someone looks at the window: the heartbeat's period (heartbeat.ts). */
    attention: WindowAttention,
  ) {
    this.starttime = readProcess(process.pid, procRoot)?.starttime;
    const write = (): void => void this.publish();
    this.disposables.push(
      vscode.window.onDidOpenTerminal(write),
      vscode.window.onDidCloseTerminal(write),
      vscode.extensions.onDidChange(write),
      vscode.workspace.onDidChangeWorkspaceFolders(write),
    );
    this.heartbeat = new Heartbeat({ ticker, attention, beat: () => this.beat(), rewrite: write });
    write();
  }

  /**
   * The entry on disk may not say what this window has: never written, a write failed, or a terminal's pid was not
   * known yet when it was written (another window would take that shell for detached). The heartbeat writes it whole
   * then; otherwise it only moves the file's mtime (~30 µs instead of ~1 ms of temp file, rename and the pids).
   */
  private stale = true;

  private beat(): void {
    if (this.stale || this.starttime === undefined) {
      void this.publish();
      return;
    }
    try {
      touchEntry(this.dir, process.pid, this.starttime, Date.now());
    } catch {
      void this.publish(); // gone (pruned, folder removed) or not writable: write it whole, which says why if it fails
    }
  }

  /** pids of this window's terminals (those whose process has started). */
  async ownTerminalPids(): Promise<Set<number>> {
    const pids = await processIdsOf(vscode.window.terminals, PROCESS_ID_TIMEOUT_MS);
    return new Set(pids.filter((p): p is number => p !== undefined));
  }

  /** Live entries of every window running this extension (this one included); prunes dead ones. */
  async liveWindows(snapshot: Snapshot): Promise<WindowEntry[]> {
    const read = await readEntries(this.dir);
    for (const p of read.problems) this.log.warn(`window registry: ignoring ${p.file}: ${p.reason}`);
    try {
      await pruneDeadEntries(this.dir, read.entries, snapshot, { nowMs: Date.now() });
    } catch (e) {
      this.log.warn(`window registry: could not prune dead entries: ${String(e)}`);
    }
    return liveEntries(read.entries, snapshot);
  }

  private async publish(): Promise<void> {
    if (this.starttime === undefined) return; // cannot identify ourselves: do not claim anything
    this.stale = false; // before the awaits: an event meanwhile publishes again
    try {
      const pids = await processIdsOf(vscode.window.terminals, PROCESS_ID_TIMEOUT_MS);
      if (pids.includes(undefined)) this.stale = true; // a terminal without a pid yet: the next beat writes again
      // read after the await, just before the write (synchronous inside): the last write to land states the period wanted
      // when it was written, never one an overlapping, older publish captured before the attention changed
      const heartbeatMs = this.heartbeat.entryPeriodMs;
      await writeEntry(this.dir, {
        version: 1,
        pid: process.pid,
        starttime: this.starttime,
        terminalPids: pids.filter((p): p is number => p !== undefined),
        folder: vscode.workspace.workspaceFolders?.[0]?.uri.toString(),
        extensionPaths: vscode.extensions.all.map((e) => e.extensionPath),
        updatedAtMs: Date.now(),
        heartbeatMs,
      });
      this.heartbeat.written(heartbeatMs);
    } catch (e) {
      this.stale = true;
      this.log.warn(`window registry: could not write this window's entry: ${String(e)}`);
    }
  }

  /** Removes this window's entry (awaited by deactivate so it is gone before the extension host exits). */
  async close(): Promise<void> {
    this.dispose();
    if (this.starttime !== undefined) await removeEntry(this.dir, process.pid, this.starttime).catch(() => undefined);
  }

  dispose(): void {
    this.heartbeat.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
