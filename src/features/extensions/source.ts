// The Extensions model: reads the extensions folder and the clean-up context, publishes at once, then sizes the
// folders in the background (cancellable, cached by mtime + inode) and publishes again as sizes fill in.
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Views } from '../../core/ids';
import { readExtensionsDir } from '../../probes/extensionsDir';
import { SizedSource } from '../../core/ui/sizer';
import { cleanContextFactory } from './context';
import { ExtensionsModel } from './model';
import { CleanContext } from './plan';

/** A view refresh reuses a scan younger than this (another view's poll); plans re-check against a fresh one. */
export const VIEW_SCAN_MAX_AGE_MS = 5_000;

export class ExtensionsSource extends SizedSource<ExtensionsModel> {
  /** The clean-up context; maxAgeMs > 0 lets a view refresh reuse a scan that recent (0: a fresh full scan). */
  readonly cleanContext: (maxAgeMs?: number) => Promise<CleanContext>;

  constructor(private readonly core: Core) {
    super({
      viewId: Views.extensions,
      contextKey: 'csops.extensions.sizing',
      title: () => vscode.l10n.t('Sizing extension folders'),
      publishEvery: 5,
    });
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
    const ctx = await this.cleanContext(VIEW_SCAN_MAX_AGE_MS); // first: it says where the profiles' lists are
    const report = await readExtensionsDir(dir, ctx.nowMs, ctx.readOptions);
    const sizes = new Map<string, number>();
    const model: ExtensionsModel = { report, sizes, sizing: false, ctx: { ...ctx, sizeOf: (p) => sizes.get(p) } };
    return this.publishSized(model, report.folders);
  }
}
