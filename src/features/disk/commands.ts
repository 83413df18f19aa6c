// Disk reclaim: "Reclaim…" (row, multi-selection), "Reclaim All…", "Undo Last Reclaim". plan (./plan) → modal
// preview (what happens to each row, what is not included) → fresh listing and evidence → re-check each target
// (same inode and mtime, still reclaimable the same way) → user data into the quarantine, caches deleted.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { confirmAndRun } from '../../core/flow';
import { Plan, TargetKind, TargetResult, newPlan } from '../../core/safety';
import { instanceOf, selectedItems } from '../../core/source';
import { QUARANTINE_DIR } from '../../probes/extensionsDir';
import { formatBytes } from '../../probes/format';
import { quarantineParents } from '../../probes/serverDirs';
import { Batch, ManifestItem, listBatches } from '../extensions/quarantine';
import { DiskTarget, diskTargetKind, planReclaim, planReclaimAll, reclaimChoices, revalidateTarget } from './plan';
import { DiskSource } from './source';

export { quarantineParents };
import { DiskEntryItem } from './tree';

export async function reclaim(core: Core, source: DiskSource, item?: unknown, selected?: unknown): Promise<void> {
  const paths = selectedItems(instanceOf(DiskEntryItem), item, selected).map((i) => i.entry.path);
  const model = source.latest ?? (await source.get());
  if (paths.length === 0) {
    // From the palette, nothing selected: pick among the reclaimable entries (a preview follows).
    const groups = reclaimChoices(model);
    if (!groups.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Nothing is reclaimable on disk right now.'));
      return;
    }
    const items = groups.flatMap((g) => [
      { label: g.title, kind: vscode.QuickPickItemKind.Separator, path: '' },
      ...g.choices.map((c) => ({ label: c.label, description: c.description, detail: c.detail, path: c.path })),
    ]);
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: vscode.l10n.t('Reclaim Disk Space'),
      placeHolder: vscode.l10n.t('Select what to reclaim (a preview follows)'),
    });
    if (!picked?.length) return;
    paths.push(...picked.map((p) => p.path).filter((p) => p !== ''));
  }
  await run(core, source, core.plans.issue(planReclaim(model, paths, Date.now())));
}

export async function reclaimAll(core: Core, source: DiskSource): Promise<void> {
  const model = source.latest ?? (await source.get());
  await run(core, source, core.plans.issue(planReclaimAll(model, Date.now())));
}

async function run(core: Core, source: DiskSource, plan: Plan<DiskTarget>): Promise<void> {
  const days = core.settings().quarantineDays;
  const total = plan.targets.reduce((s, t) => s + t.bytes, 0);
  const toQuarantine = plan.targets.filter((t) => t.how === 'quarantine').length;
  const toDelete = plan.targets.length - toQuarantine;
  const batches = new Map<string, Batch>();
  await confirmAndRun<DiskTarget>(
    {
      plan,
      kind: diskTargetKind,
      whatHappens:
        `Total ${formatBytes(total)}. ${toQuarantine} item(s) of user data (logs, workspace and extension storage) are moved into ` +
        `${QUARANTINE_DIR} in their own folder (a rename: nothing is deleted; Undo moves them back; purged after ${days} days). ` +
        `${toDelete} cache item(s) (old server builds, downloaded VSIXs, npx caches) are deleted. ` +
        'Each item is re-checked right before (same inode and mtime, still unused by every process).',
      progressTitle: vscode.l10n.t('Reclaiming {0} items…', plan.targets.length),
      pastVerb: 'Reclaimed',
      act: async (p) => {
        const fresh = await source.classifyNow();
        const results: TargetResult<DiskTarget>[] = [];
        for (const t of p.targets) {
          const because = revalidateTarget(
            t,
            fresh.entries.find((e) => e.path === t.path),
          );
          if (because) {
            results.push({ target: t, outcome: { kind: 'skipped', because } });
            continue;
          }
          try {
            if (t.how === 'delete') {
              await fs.promises.rm(t.path, { recursive: true });
              results.push({ target: t, outcome: { kind: 'done', how: 'deleted' } });
            } else {
              let batch = batches.get(t.parent);
              if (!batch) batches.set(t.parent, (batch = await Batch.create(t.parent, Date.now())));
              await batch.moveIn({ name: t.name, originalPath: t.path, cls: t.kind, bytes: t.bytes, ino: t.ino });
              results.push({
                target: t,
                outcome: { kind: 'done', how: `moved to ${path.join(t.parent, QUARANTINE_DIR, batch.manifest.id)}` },
              });
            }
          } catch (e) {
            results.push({ target: t, outcome: { kind: 'failed', error: (e as NodeJS.ErrnoException).code ?? String(e) } });
          }
        }
        return results;
      },
      followUp: (results) =>
        results.some((r) => r.outcome.kind === 'done' && r.target.how === 'quarantine')
          ? {
              text: `quarantined items kept for ${days} days`,
              button: 'Undo',
              severity: 'info',
              run: () => undo(core, [...batches.values()]),
            }
          : undefined,
    },
    core,
  );
}

interface Quarantined {
  batch: Batch;
  item: ManifestItem;
}

const quarantinedKind: TargetKind<Quarantined> = {
  describe: (t) => `${t.item.name} (${formatBytes(t.item.bytes)}) back into ${t.batch.manifest.extensionsDir}`,
  bytes: (t) => t.item.bytes,
  identity: (t) => ({ batch: t.batch.manifest.id, path: t.item.originalPath, ino: t.item.ino }),
  name: (t) => t.item.name,
};

/** Undo one reclaim (its batches, one per folder) through the preview. */
async function undo(core: Core, batches: Batch[]): Promise<void> {
  const targets = batches.flatMap((batch) => batch.movedItems.map((item) => ({ batch, item })));
  const plan = core.plans.issue(
    newPlan({ action: 'undo-reclaim-disk', verb: 'Restore', noun: ['Item', 'Items'], targets, skipped: [] }, Date.now()),
  );
  await confirmAndRun<Quarantined>(
    {
      plan,
      kind: quarantinedKind,
      whatHappens: 'The items are moved back where they were (a rename). An item whose name exists again stays in the quarantine.',
      progressTitle: vscode.l10n.t('Restoring {0} items…', targets.length),
      pastVerb: 'Restored',
      act: async (p) => {
        const outcome = new Map<string, { ok: boolean; why?: string }>();
        for (const b of new Set(p.targets.map((t) => t.batch))) {
          const fresh = await Batch.open(b.dir); // what is restored is what the manifest lists now, validated again
          if (!(fresh instanceof Batch)) {
            for (const i of b.movedItems) outcome.set(i.originalPath, { ok: false, why: fresh.error });
            continue;
          }
          for (const r of await fresh.restore()) outcome.set(r.item.originalPath, r);
        }
        return p.targets.map((target): TargetResult<Quarantined> => {
          const r = outcome.get(target.item.originalPath);
          if (r?.ok) return { target, outcome: { kind: 'done', how: 'restored' } };
          return { target, outcome: { kind: 'skipped', because: r?.why ?? 'no longer in the quarantine' } };
        });
      },
    },
    core,
  );
}

/** The batches of the newest reclaim: the newest batch, and those the same process created within a minute of it. */
export function lastReclaim(batches: Batch[]): Batch[] {
  const withItems = batches.filter((b) => b.movedItems.length > 0).sort((a, b) => b.manifest.createdAtMs - a.manifest.createdAtMs);
  const newest = withItems[0];
  if (!newest) return [];
  const pid = (b: Batch): string | undefined => /-(\d+)-[0-9a-f]{6}$/.exec(b.manifest.id)?.[1];
  return withItems.filter((b) => pid(b) === pid(newest) && newest.manifest.createdAtMs - b.manifest.createdAtMs <= 60_000);
}

export async function undoLastReclaim(core: Core, source: DiskSource): Promise<void> {
  const all: Batch[] = [];
  for (const dir of quarantineParents(await source.layout())) {
    const { batches, problems } = await listBatches(dir);
    for (const p of problems) core.log.warn(`quarantine: ${p}`);
    all.push(...batches);
  }
  const last = lastReclaim(all);
  if (!last.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('There is no reclaim to undo (the quarantine is empty).'));
    return;
  }
  await undo(core, last);
}
