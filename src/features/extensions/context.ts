// What the extension clean-up must never touch: extensions loaded in this window and in every live window
// (from the shared registry), and code-server Ops' own folder.
import * as vscode from 'vscode';
import { SnapshotService } from '../../core/snapshotService';
import { realpathOf } from '../../probes/extensionsDir';
import { WindowPresence } from '../../core/presence';
import { CleanContext } from './plan';

export function cleanContextFactory(service: SnapshotService, windows: WindowPresence, selfPath: string): () => Promise<CleanContext> {
  return async () => {
    const snapshot = await service.request();
    const others = snapshot.unavailable ? [] : await windows.liveWindows(snapshot);
    const paths = [...vscode.extensions.all.map((e) => e.extensionPath), ...others.flatMap((w) => w.extensionPaths ?? [])];
    return {
      nowMs: Date.now(),
      loadedPaths: new Set(paths.flatMap((p) => [p, realpathOf(p) ?? p])),
      unlistedHosts: [],
      selfPath,
      realpathOf,
      sizeOf: () => undefined,
    };
  };
}
