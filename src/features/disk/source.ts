// The Disk model: lists what the server left behind, gathers the evidence (processes using each entry, the build
// and log folder of this window, installed extensions, workspace folders), classifies, publishes at once, then sizes
// the entries in the background (du -s, cancellable, cached by mtime + inode) and publishes as sizes fill in.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Views } from '../../core/ids';
import { readExtensionsDir, realpathOf } from '../../probes/extensionsDir';
import { SizedSource } from '../../core/ui/sizer';
import { usersOfFolders } from '../../probes/openFiles';
import {
  DiskEntry,
  DiskEvidence,
  DiskLayout,
  WorkspaceRef,
  classifyEntry,
  existsOrUnknown,
  listDiskEntries,
  readWorkspaceRef,
  workspaceFolders,
} from '../../probes/serverDirs';
import { CleanContext } from '../extensions/plan';
import { ExtensionsSource, VIEW_SCAN_MAX_AGE_MS } from '../extensions/source';
import { ClassifiedEntry, DiskModel, FreeSpace } from './model';

const LOG_NAME = /^\d{8}T\d{6}$/;

export class DiskSource extends SizedSource<DiskModel> {
  constructor(
    private readonly core: Core,
    private readonly extensions: ExtensionsSource,
  ) {
    super({ viewId: Views.disk, contextKey: 'csops.disk.sizing', title: () => vscode.l10n.t('Sizing'), publishEvery: 10 });
  }

  /** Where to look: the user-data dirs the Extensions view reads profiles from, and the VS Code Server roots. */
  async layout(context?: CleanContext): Promise<DiskLayout> {
    const ctx = context ?? (await this.extensions.cleanContext(VIEW_SCAN_MAX_AGE_MS));
    const home = os.homedir();
    const userDataDirs = [...(ctx.readOptions.userDataDirs ?? [])];
    const serverRoots = [path.join(home, '.vscode-server'), path.join(home, '.vscode-server-insiders')];
    for (const d of userDataDirs)
      if (path.basename(d) === 'data' && !serverRoots.includes(path.dirname(d))) serverRoots.push(path.dirname(d));
    const coderDataDirs = [path.join(process.env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'code-server')];
    return { userDataDirs, serverRoots, home, coderDataDirs };
  }

  /**
   * A fresh listing and classification (no sizing): what the view shows and what a commit re-checks against. One
   * clean-up context (one scan) serves the layout and the installed ids; a view refresh (maxAgeMs > 0) may reuse a
   * recent scan, a commit's re-check (0) scans afresh.
   */
  async classifyNow(maxAgeMs = 0): Promise<{ entries: ClassifiedEntry[]; problems: string[]; layout: DiskLayout }> {
    const ctx = await this.extensions.cleanContext(maxAgeMs);
    const layout = await this.layout(ctx);
    const { entries, problems } = await listDiskEntries(layout);
    const ev = await this.evidence(entries, problems, ctx);
    return { entries: entries.map((e) => ({ ...e, verdict: classifyEntry(e, ev) })), problems, layout };
  }

  private async evidence(entries: DiskEntry[], problems: string[], ctx: CleanContext): Promise<DiskEvidence> {
    const s = this.core.settings();
    const used = await usersOfFolders(
      entries.map((e) => e.path),
      { procRoot: s.procRoot, selfUid: this.core.selfUid },
    );
    let usersProblem: string | undefined;
    if (used.unreadable.length) {
      const pids = used.unreadable.slice(0, 5).join(', ');
      usersProblem = `${used.unreadable.length} process(es) of this user could not be read (pid ${pids}): whether it is in use is unknown`;
    }
    if (used.error) problems.push(used.error);
    const workspaces = new Map<string, WorkspaceRef>();
    for (const e of entries) if (e.kind === 'workspaceStorage') workspaces.set(e.path, await readWorkspaceRef(e.path));
    const exists = new Map<string, boolean | undefined>();
    for (const f of workspaceFolders(workspaces)) exists.set(f, await existsOrUnknown(f));
    const report = await readExtensionsDir(this.core.extensionsDir(), ctx.nowMs, ctx.readOptions);
    const all = vscode.extensions.all;
    let installedIds: Set<string> | undefined;
    if (!report.error && !(ctx.readOptions.userDataProblems ?? []).length) {
      installedIds = new Set(all.map((x) => x.id.toLowerCase()));
      for (const f of report.folders) if (f.parsed) installedIds.add(f.parsed.id.toLowerCase());
    } else {
      problems.push(`installed extensions unknown: ${report.error ?? ctx.readOptions.userDataProblems?.join('; ')}`);
    }
    const builtinIds = new Set(all.filter((x) => (x.packageJSON as { isBuiltin?: boolean }).isBuiltin).map((x) => x.id.toLowerCase()));
    const logDir = this.core.context.logUri.fsPath.split(path.sep);
    const currentLogDirs: string[] = [];
    for (let i = logDir.length; i > 0; i--) if (LOG_NAME.test(logDir[i - 1])) currentLogDirs.push(logDir.slice(0, i).join(path.sep));
    return {
      nowMs: Date.now(),
      users: used.error || used.cancelled ? undefined : used.users,
      usersProblem,
      currentAppRoot: realpathOf(vscode.env.appRoot),
      currentLogDirs,
      logDays: s.diskLogRetentionDays,
      installedIds,
      builtinIds,
      workspaces,
      exists,
      realpathOf,
    };
  }

  async get(): Promise<DiskModel> {
    const { entries, problems, layout } = await this.classifyNow(VIEW_SCAN_MAX_AGE_MS);
    const model: DiskModel = { entries, sizes: new Map(), sizing: false, problems, free: await freeSpace(layout) };
    return this.publishSized(model, entries);
  }
}

/** Free space of the file system the first existing user-data dir is on. */
async function freeSpace(layout: DiskLayout): Promise<FreeSpace | undefined> {
  for (const d of layout.userDataDirs) {
    try {
      const st = await fs.promises.statfs(d);
      return { path: d, freeBytes: st.bavail * st.bsize, totalBytes: st.blocks * st.bsize };
    } catch {
      // next
    }
  }
  return undefined;
}
