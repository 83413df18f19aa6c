// The Extensions model: reads the extensions folder and the clean-up context, publishes at once, then sizes the
// folders in the background (cancellable, cached by mtime + inode) and publishes again as sizes fill in.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Views } from '../../core/ids';
import { ModelSource } from '../../core/source';
import { ExtensionFolder, readExtensionsDir } from '../../probes/extensionsDir';
import { SizeCache, folderSize } from '../../probes/folderSize';
import { cleanContextFactory } from './context';
import { ExtensionsModel } from './model';
import { CleanContext } from './plan';

export class ExtensionsSource extends ModelSource<ExtensionsModel> {
  private readonly cache = new SizeCache();
  private sizingToken = 0;
  readonly cleanContext: () => Promise<CleanContext>;

  constructor(private readonly core: Core) {
    super();
    this.cleanContext = cleanContextFactory(
      core.scans,
      core.presence,
      core.context.extensionPath,
      core.context.globalStorageUri.fsPath,
      () => core.extensionsDir(),
    );
  }

  /** Re-reads the folder and the clean-up context; publishes at once, then again as sizes are computed. */
  async get(): Promise<ExtensionsModel> {
    const dir = this.core.extensionsDir();
    const ctx = await this.cleanContext(); // first: it says where the profiles' lists are
    const report = await readExtensionsDir(dir, ctx.nowMs, ctx.readOptions);
    const sizes = new Map<string, number>();
    for (const f of report.folders) {
      const cached = this.cache.get(f.path, f.mtimeMs, f.ino);
      if (cached) sizes.set(f.path, cached.bytes);
    }
    const model: ExtensionsModel = { report, sizes, sizing: false, ctx: { ...ctx, sizeOf: (p) => sizes.get(p) } };
    const missing = report.folders.filter((f) => !sizes.has(f.path));
    model.sizing = missing.length > 0;
    this.publish(model);
    if (missing.length) await this.size(model, missing);
    return model;
  }

  private async size(model: ExtensionsModel, folders: ExtensionFolder[]): Promise<void> {
    const token = ++this.sizingToken;
    const stale = (): boolean => token !== this.sizingToken;
    const seen = new Set<string>();
    void vscode.commands.executeCommand('setContext', 'csops.extensions.sizing', true);
    try {
      await vscode.window.withProgress(
        { location: { viewId: Views.extensions }, title: vscode.l10n.t('Sizing extension folders') },
        async () => {
          let done = 0;
          for (const f of folders) {
            if (stale()) break;
            const size = await folderSize(f.path, { seen, isCancelled: stale });
            if (size.cancelled) break;
            this.cache.set(f.path, f.mtimeMs, f.ino, size);
            model.sizes.set(f.path, size.bytes);
            if (++done % 5 === 0) this.publish(model);
          }
        },
      );
    } finally {
      if (!stale()) {
        model.sizing = false;
        this.publish(model);
        void vscode.commands.executeCommand('setContext', 'csops.extensions.sizing', false);
      }
    }
  }

  /** "Stop Sizing": sizes computed so far stay; the rest show "…" until the next refresh. */
  stopSizing(): void {
    this.sizingToken++;
    const model = this.latest;
    if (model) {
      model.sizing = false;
      this.publish(model);
    }
    void vscode.commands.executeCommand('setContext', 'csops.extensions.sizing', false);
  }

  dispose(): void {
    this.sizingToken++;
    super.dispose();
  }
}
