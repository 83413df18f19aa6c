// Extension clean-up: "Clean Up…" (row, multi-selection, palette quick pick), "Clean Up All Reclaimable…",
// "Undo Last Clean-Up", "Empty Quarantine…". plan (./plan) → modal preview → re-validate → move into the quarantine.
import * as vscode from 'vscode';
import { ExtensionsDirReport, QUARANTINE_DIR, isReclaimable, readExtensionsDir } from '../../probes/extensionsDir';
import { formatBytes } from '../../probes/format';
import { Core } from '../../core';
import { confirmAndRun } from '../../core/flow';
import { instanceOf, selectedItems } from '../../core/source';
import { ExtensionsSource } from './source';
import { FolderItem } from './tree';
import { TargetResult, newPlan } from '../../core/safety';
import { CLASS_TEXT, CleanPlan, FolderTarget, folderKind, folderProtection, planCleanUp, planCleanUpAll, revalidateFolders } from './plan';
import { Batch, listBatches } from './quarantine';

type CleanDeps = Core;

export async function cleanUp(deps: CleanDeps, source: ExtensionsSource, item?: unknown, selected?: unknown): Promise<void> {
  const { report, ctx } = await source.get();
  let names = selectedItems(instanceOf(FolderItem), item, selected).map((i) => i.folder.name);
  if (names.length === 0) {
    const offer = report.folders.filter((f) => isReclaimable(report, f) && !folderProtection(report, f, ctx));
    if (offer.length === 0) {
      void vscode.window.showInformationMessage(
        report.error ? `No clean-up offered: ${report.error}.` : 'Nothing to clean up in the extensions folder.',
      );
      return;
    }
    const picked = await vscode.window.showQuickPick(
      offer.map((f) => ({
        label: f.name,
        description: `${CLASS_TEXT[f.cls]} · ${formatBytes(ctx.sizeOf(f.path) ?? 0)}`,
        detail: f.reason,
        name: f.name,
      })),
      {
        canPickMany: true,
        title: 'Clean Up Extension Folders',
        placeHolder: 'Select the folders to move to the quarantine (a preview follows)',
      },
    );
    if (!picked?.length) return;
    names = picked.map((p) => p.name);
  }
  await run(deps, source, deps.plans.issue(planCleanUp(report, names, ctx)));
}

export async function cleanUpAll(deps: CleanDeps, source: ExtensionsSource): Promise<void> {
  const { report, ctx } = await source.get();
  const plan = planCleanUpAll(report, ctx);
  if (plan.targets.length === 0) {
    void vscode.window.showInformationMessage(nothingToCleanText(report, plan));
    return;
  }
  await run(deps, source, deps.plans.issue(plan));
}

/** "Nothing to clean up", naming what the tree shows as reclaimable and why it is not included. */
function nothingToCleanText(report: ExtensionsDirReport, plan: CleanPlan): string {
  if (report.error) return `No clean-up offered: ${report.error}.`;
  if (plan.skipped.length === 0) return 'Nothing to clean up in the extensions folder.';
  const shown = plan.skipped.slice(0, 6).map((s) => `${s.name} — ${s.because}`);
  if (plan.skipped.length > 6) shown.push(`and ${plan.skipped.length - 6} more`);
  return `Nothing to clean up. Not included: ${shown.join('; ')}.`;
}

async function run(deps: CleanDeps, source: ExtensionsSource, plan: CleanPlan): Promise<void> {
  const days = deps.settings().quarantineDays;
  const total = plan.targets.reduce((s, t) => s + t.bytes, 0);
  let batch: Batch | undefined;
  await confirmAndRun<FolderTarget>(
    {
      plan,
      kind: folderKind,
      whatHappens:
        `Total ${formatBytes(total)}. The folders are moved into ${QUARANTINE_DIR} inside the extensions folder ` +
        `(a rename: nothing is deleted). Undo moves them back; the quarantine is emptied after ${days} days or with "Empty Quarantine…". ` +
        'Each folder is re-checked (same inode, mtime and class, extensions.json unchanged) right before it moves.',
      progressTitle: `Cleaning up ${plan.targets.length} folder${plan.targets.length === 1 ? '' : 's'}…`,
      pastVerb: 'Cleaned up',
      act: async (p) => {
        const ctx = await source.cleanContext();
        const fresh = await readExtensionsDir(plan.dir, ctx.nowMs, ctx.readOptions);
        const { valid, skipped } = revalidateFolders(p as CleanPlan, fresh, ctx);
        const results: TargetResult<FolderTarget>[] = skipped.map(({ target, because }) => ({
          target,
          outcome: { kind: 'skipped', because },
        }));
        if (valid.length) batch = await Batch.create(plan.dir, Date.now());
        for (const t of valid) {
          try {
            await batch!.moveIn({ name: t.name, originalPath: t.path, cls: t.cls, bytes: t.bytes, ino: t.ino });
            results.push({ target: t, outcome: { kind: 'done', how: `moved to ${QUARANTINE_DIR}/${batch!.manifest.id}` } });
          } catch (e) {
            results.push({ target: t, outcome: { kind: 'failed', error: (e as NodeJS.ErrnoException).code ?? String(e) } });
          }
        }
        return results;
      },
      followUp: (results) =>
        batch && results.some((r) => r.outcome.kind === 'done')
          ? { text: `kept in the quarantine for ${days} days`, button: 'Undo', severity: 'info', run: () => undo(deps, batch!) }
          : undefined,
    },
    deps,
  );
}

async function undo(deps: CleanDeps, batch: Batch): Promise<void> {
  const items = batch.movedItems;
  const results = await batch.restore();
  const restored = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => !r.ok);
  const message =
    `Restored ${restored} of ${items.length} folder${items.length === 1 ? '' : 's'}` +
    (failed.length ? `; not restored: ${failed.map((f) => `${f.item.name} (${f.why})`).join(', ')}` : '');
  await deps.audit.record({
    action: 'undo-clean-extensions',
    planId: batch.manifest.id,
    outcome: 'done',
    message,
    targets: results.map((r) => ({
      name: r.item.name,
      path: r.item.originalPath,
      ino: r.item.ino,
      result: r.ok ? 'restored' : `not restored: ${r.why}`,
    })),
    notTargeted: [],
  });
  await deps.refreshViews();
  if (failed.length) void vscode.window.showWarningMessage(message);
  else void vscode.window.showInformationMessage(message);
}

export async function undoLastCleanUp(deps: CleanDeps): Promise<void> {
  const { batches, problems } = await listBatches(deps.extensionsDir());
  for (const p of problems) deps.log.warn(`quarantine: ${p}`);
  const last = batches.find((b) => b.movedItems.length > 0);
  if (!last) {
    void vscode.window.showInformationMessage('There is no clean-up to undo (the quarantine is empty).');
    return;
  }
  const names = last.movedItems.map((i) => `• ${i.name} (${formatBytes(i.bytes)})`);
  const button = `Restore ${last.movedItems.length} Folder${last.movedItems.length === 1 ? '' : 's'}`;
  const choice = await vscode.window.showWarningMessage(
    `Undo the clean-up of ${new Date(last.manifest.createdAtMs).toLocaleString()}?`,
    {
      modal: true,
      detail: `${names.slice(0, 12).join('\n')}${names.length > 12 ? `\n… and ${names.length - 12} more` : ''}\n\nThe folders are moved back into the extensions folder.`,
    },
    button,
  );
  if (choice === button) await undo(deps, last);
}

export async function emptyQuarantine(deps: CleanDeps): Promise<void> {
  const { batches } = await listBatches(deps.extensionsDir());
  const items = batches.flatMap((b) => b.movedItems.map((i) => ({ b, i })));
  if (items.length === 0) {
    void vscode.window.showInformationMessage('The quarantine is empty.');
    return;
  }
  const total = items.reduce((s, x) => s + x.i.bytes, 0);
  const plan = deps.plans.issue(
    newPlan({ action: 'empty-quarantine', verb: 'Delete', noun: ['Folder', 'Folders'], targets: items, skipped: [] }, Date.now()),
  );
  const lines = items.map(({ i }) => `• ${i.name} (${formatBytes(i.bytes)})`);
  const button = `Delete ${items.length} Folder${items.length === 1 ? '' : 's'}`;
  const choice = await vscode.window.showWarningMessage(
    `Permanently delete ${formatBytes(total)} from the quarantine?`,
    {
      modal: true,
      detail: `${lines.slice(0, 12).join('\n')}${lines.length > 12 ? `\n… and ${lines.length - 12} more` : ''}\n\nThis cannot be undone.`,
    },
    button,
  );
  if (choice !== button) return;
  const taken = deps.plans.take(plan, Date.now());
  if (!taken.ok) {
    void vscode.window.showWarningMessage(`code-server Ops: ${taken.reason}.`);
    return;
  }
  // Batch.delete refuses (deletes nothing of) a batch whose manifest changed unreadably or whose items/ holds more than it lists.
  const refused = new Map<Batch, string>();
  for (const b of batches) {
    const r = await b.delete();
    if (!r.deleted) refused.set(b, r.why ?? 'refused');
  }
  const gone = items.filter(({ b }) => !refused.has(b));
  const freed = gone.reduce((s, x) => s + x.i.bytes, 0);
  const message =
    `Deleted ${gone.length} of ${items.length} folders (${formatBytes(freed)}) from the quarantine` +
    (refused.size ? `; kept ${refused.size} clean-up(s): ${[...refused.values()].join('; ')}` : '');
  await deps.audit.record({
    action: 'empty-quarantine',
    planId: plan.id,
    outcome: 'done', // per target: deleted, or kept and why
    message,
    targets: items.map(({ b, i }) => {
      const why = refused.get(b);
      return { name: i.name, batch: b.manifest.id, result: why === undefined ? 'deleted' : `kept: ${why}` };
    }),
    notTargeted: [],
  });
  await deps.refreshViews();
  if (refused.size) void vscode.window.showWarningMessage(`code-server Ops: ${message}.`);
  else void vscode.window.showInformationMessage(`Deleted ${items.length} folders from the quarantine, freed ${formatBytes(total)}.`);
}
