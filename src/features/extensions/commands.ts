// Extension clean-up: "Clean Up…" (row, multi-selection, palette quick pick), "Clean Up All Reclaimable…",
// "Undo Last Clean-Up", "Empty Quarantine…". plan (./plan) → modal preview → re-validate → move into the quarantine.
import * as vscode from 'vscode';
import { ExtensionsDirReport, QUARANTINE_DIR, isReclaimable, readExtensionsDir } from '../../probes/extensionsDir';
import { formatBytes } from '../../probes/format';
import { Core } from '../../core';
import { RunSpec, confirmAndRun } from '../../core/flow';
import { instanceOf, selectedItems } from '../../core/source';
import { ExtensionsSource } from './source';
import { FolderItem } from './tree';
import { TargetKind, TargetResult, newPlan } from '../../core/safety';
import { CLASS_TEXT, CleanPlan, FolderTarget, folderKind, folderProtection, planCleanUp, planCleanUpAll, revalidateFolders } from './plan';
import { Batch, ManifestItem, listBatches } from './quarantine';

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
  await confirmAndRun<FolderTarget>(cleanSpec(deps, source, plan), deps);
}

/** How a clean-up is previewed, done (re-validated, moved into the quarantine) and reported, with Undo: manual and policy. */
export function cleanSpec(deps: CleanDeps, source: ExtensionsSource, plan: CleanPlan): RunSpec<FolderTarget> {
  const days = deps.settings().quarantineDays;
  const total = plan.targets.reduce((s, t) => s + t.bytes, 0);
  let batch: Batch | undefined;
  return {
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
  };
}

/** A folder in the quarantine: the clean-up (batch) it belongs to and its manifest entry. */
interface Quarantined {
  batch: Batch;
  item: ManifestItem;
}

const quarantinedKind: TargetKind<Quarantined> = {
  describe: (t) => `${t.item.name} (${formatBytes(t.item.bytes)}, cleaned up ${new Date(t.batch.manifest.createdAtMs).toLocaleString()})`,
  bytes: (t) => t.item.bytes,
  identity: (t) => ({ batch: t.batch.manifest.id, path: t.item.originalPath, ino: t.item.ino }),
  name: (t) => t.item.name,
};

const quarantinedOf = (batch: Batch): Quarantined[] => batch.movedItems.map((item) => ({ batch, item }));

/** Undo one clean-up through the preview: every folder it moved goes back, unless its name was taken meanwhile. */
async function undo(deps: CleanDeps, batch: Batch): Promise<void> {
  const plan = deps.plans.issue(
    newPlan(
      { action: 'undo-clean-extensions', verb: 'Restore', noun: ['Folder', 'Folders'], targets: quarantinedOf(batch), skipped: [] },
      Date.now(),
    ),
  );
  await confirmAndRun<Quarantined>(
    {
      plan,
      kind: quarantinedKind,
      whatHappens:
        `The clean-up of ${new Date(batch.manifest.createdAtMs).toLocaleString()} is undone: the folders are moved back ` +
        'into the extensions folder (a rename). A folder whose name exists again stays in the quarantine.',
      progressTitle: `Restoring ${plan.targets.length} folder${plan.targets.length === 1 ? '' : 's'}…`,
      pastVerb: 'Restored',
      act: async (p) => {
        // Re-read the manifest: what is restored is what it lists now, validated again (never the preview's copy).
        const fresh = await Batch.open(batch.dir);
        if (!(fresh instanceof Batch)) {
          return p.targets.map((target) => ({ target, outcome: { kind: 'skipped' as const, because: fresh.error } }));
        }
        const results = new Map((await fresh.restore()).map((r) => [r.item.name, r]));
        return p.targets.map((target): TargetResult<Quarantined> => {
          const r = results.get(target.item.name);
          if (r?.ok) return { target, outcome: { kind: 'done', how: 'restored' } };
          return { target, outcome: { kind: 'skipped', because: r?.why ?? 'no longer in the quarantine' } };
        });
      },
    },
    deps,
  );
}

export async function undoLastCleanUp(deps: CleanDeps): Promise<void> {
  const { batches, problems } = await listBatches(deps.extensionsDir());
  for (const p of problems) deps.log.warn(`quarantine: ${p}`);
  const last = batches.find((b) => b.movedItems.length > 0);
  if (!last) {
    void vscode.window.showInformationMessage('There is no clean-up to undo (the quarantine is empty).');
    return;
  }
  await undo(deps, last);
}

/** Empty Quarantine through the preview: deletes every clean-up whose folder holds only what its manifest lists. */
export async function emptyQuarantine(deps: CleanDeps): Promise<void> {
  const { batches, problems } = await listBatches(deps.extensionsDir());
  for (const p of problems) deps.log.warn(`quarantine: ${p}`);
  const targets = batches.flatMap(quarantinedOf);
  if (targets.length === 0) {
    void vscode.window.showInformationMessage('The quarantine is empty.');
    return;
  }
  const total = targets.reduce((s, t) => s + t.item.bytes, 0);
  const notIncluded = problems.map((why) => ({ name: 'a clean-up in the quarantine', reason: `not readable, kept: ${why}` }));
  const plan = deps.plans.issue(
    newPlan({ action: 'empty-quarantine', verb: 'Delete', noun: ['Folder', 'Folders'], targets, skipped: [], notIncluded }, Date.now()),
  );
  await confirmAndRun<Quarantined>(
    {
      plan,
      kind: quarantinedKind,
      whatHappens:
        `Permanently deletes ${formatBytes(total)} from the quarantine: this cannot be undone. Each clean-up is re-read first; ` +
        'one whose manifest changed or whose folder holds anything it does not list is kept whole.',
      progressTitle: `Deleting ${targets.length} folder${targets.length === 1 ? '' : 's'} from the quarantine…`,
      pastVerb: 'Deleted',
      act: async (p) => {
        const outcome = new Map<Batch, { deleted: boolean; why?: string }>();
        for (const b of new Set(p.targets.map((t) => t.batch))) outcome.set(b, await b.delete());
        return p.targets.map((target): TargetResult<Quarantined> => {
          const r = outcome.get(target.batch);
          if (r?.deleted) return { target, outcome: { kind: 'done', how: 'deleted' } };
          return { target, outcome: { kind: 'skipped', because: `kept: ${r?.why ?? 'refused'}` } };
        });
      },
    },
    deps,
  );
}
