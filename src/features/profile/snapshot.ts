// Write Heap Snapshot…: the preview (how long this extension host pauses, how big the file gets, that the disk has room), then
// a single-use commit that re-checks the free space, writes v8.writeHeapSnapshot into a 0700 folder in global storage, makes
// the file 0600, audits it and offers to copy its path (it opens in Chrome DevTools → Memory → Load).
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { confirmAndRun } from '../../core/flow';
import { TargetResult } from '../../core/safety';
import {
  HeapSnapshotTarget,
  checkFreeSpace,
  estimateHeapSnapshot,
  freeBytesOf,
  heapSnapshotKind,
  heapSnapshotWhatHappens,
  planHeapSnapshot,
  snapshotFileName,
} from './snapshotPlan';

export const SNAPSHOT_DIR = 'heap-snapshots';

async function freeBytes(dir: string): Promise<number> {
  return freeBytesOf(await fs.promises.statfs(dir));
}

export async function writeHeapSnapshot(core: Core, context: vscode.ExtensionContext): Promise<void> {
  const dir = path.join(context.globalStorageUri.fsPath, SNAPSHOT_DIR);
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.promises.chmod(dir, 0o700);
  const estimate = estimateHeapSnapshot(process.memoryUsage().heapUsed);
  const space = checkFreeSpace(await freeBytes(dir).catch(() => NaN), estimate);
  if (!space.ok) {
    core.log.warn(`heap snapshot refused: ${space.why} (${dir})`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Not writing a heap snapshot: {0} in {1}.', space.why, dir));
    return;
  }
  const target: HeapSnapshotTarget = {
    file: path.join(dir, snapshotFileName(Date.now(), process.pid)),
    estimate,
    freeBytes: space.freeBytes,
  };
  const plan = core.plans.issue(planHeapSnapshot(target, Date.now()));
  let written: string | undefined;
  await confirmAndRun<HeapSnapshotTarget>(
    {
      plan,
      kind: heapSnapshotKind,
      whatHappens: heapSnapshotWhatHappens(target),
      progressTitle: vscode.l10n.t('Writing a heap snapshot of this extension host…'),
      pastVerb: 'Wrote',
      act: async (p) => {
        const results: TargetResult<HeapSnapshotTarget>[] = [];
        for (const t of p.targets) {
          // re-validated at commit: the heap and the disk may have changed since the preview
          const now = estimateHeapSnapshot(process.memoryUsage().heapUsed);
          const again = checkFreeSpace(await freeBytes(dir).catch(() => NaN), now);
          if (!again.ok) {
            results.push({ target: t, outcome: { kind: 'skipped', because: again.why } });
            continue;
          }
          try {
            await new Promise((r) => setTimeout(r, 50)); // let the progress notification render before the pause
            const started = Date.now();
            const { writeHeapSnapshot: write } = await import('v8');
            const file = write(t.file);
            await fs.promises.chmod(file, 0o600);
            const size = (await fs.promises.stat(file)).size;
            written = file;
            core.log.info(
              `heap snapshot: ${file}: ${size} bytes from ${now.heapUsedBytes} bytes of used heap in ${Date.now() - started} ms ` +
                `(estimated ${t.estimate.fileBytes} bytes, ${t.estimate.pauseMs} ms)`,
            );
            results.push({ target: t, outcome: { kind: 'done', how: `written (${size} bytes, ${Date.now() - started} ms)` } });
          } catch (e) {
            await fs.promises.rm(t.file, { force: true }).catch(() => undefined);
            results.push({ target: t, outcome: { kind: 'failed', error: (e as NodeJS.ErrnoException).code ?? String(e) } });
          }
        }
        return results;
      },
      followUp: () =>
        written
          ? {
              text: vscode.l10n.t('{0} (open it in Chrome DevTools → Memory → Load)', written),
              button: vscode.l10n.t('Copy Path'),
              severity: 'info',
              run: async () => vscode.env.clipboard.writeText(written!),
            }
          : undefined,
    },
    core,
  );
}
