// The quarantine: cleaned folders are moved (renamed: instant, same filesystem, nothing lost) into
// <extensions dir>/.csops-quarantine/<batch>/ with a manifest, so every clean-up can be undone until purged.
// Plain Node (no `vscode`), so unit tests run it on temp folders.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod/mini';
import { QUARANTINE_DIR } from '../../probes/extensionsDir';

const ItemRecord = z.object({
  name: z.string().check(z.minLength(1)),
  originalPath: z.string(),
  cls: z.string(),
  bytes: z.number(),
  ino: z.number(),
  state: z.enum(['moved', 'restored']),
});
export const ManifestRecord = z.object({
  version: z.literal(1),
  id: z.string().check(z.regex(/^[\w.-]+$/)),
  createdAtMs: z.number(),
  extensionsDir: z.string(),
  items: z.array(ItemRecord),
});
export type Manifest = z.infer<typeof ManifestRecord>;
export type ManifestItem = z.infer<typeof ItemRecord>;

export function quarantineRoot(dir: string): string {
  return path.join(dir, QUARANTINE_DIR);
}

async function writeManifest(batchDir: string, m: Manifest): Promise<void> {
  const file = path.join(batchDir, 'manifest.json');
  await fs.promises.writeFile(`${file}.tmp`, JSON.stringify(m, null, 2));
  await fs.promises.rename(`${file}.tmp`, file);
}

export class Batch {
  private constructor(
    readonly dir: string,
    readonly manifest: Manifest,
  ) {}

  static async create(extensionsDir: string, nowMs: number): Promise<Batch> {
    const id = `${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const dir = path.join(quarantineRoot(extensionsDir), id);
    await fs.promises.mkdir(quarantineRoot(extensionsDir), { recursive: true });
    await fs.promises.mkdir(dir); // not recursive: an existing batch folder is never reused
    await fs.promises.mkdir(path.join(dir, 'items'));
    const b = new Batch(dir, { version: 1, id, createdAtMs: nowMs, extensionsDir, items: [] });
    await writeManifest(dir, b.manifest);
    return b;
  }

  static async open(batchDir: string): Promise<Batch | { error: string }> {
    try {
      const parsed = ManifestRecord.safeParse(JSON.parse(await fs.promises.readFile(path.join(batchDir, 'manifest.json'), 'utf8')));
      if (!parsed.success) return { error: `invalid manifest in ${batchDir}` };
      return new Batch(batchDir, parsed.data);
    } catch (e) {
      return { error: `cannot read the manifest in ${batchDir} (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
    }
  }

  /** Moves a folder into the batch (a rename); the manifest is written before and after. */
  async moveIn(item: Omit<ManifestItem, 'state'>): Promise<void> {
    await fs.promises.rename(item.originalPath, path.join(this.dir, 'items', item.name));
    this.manifest.items.push({ ...item, state: 'moved' });
    await writeManifest(this.dir, this.manifest);
  }

  /** Moves every item back where it was, unless something took its place meanwhile. */
  async restore(): Promise<{ item: ManifestItem; ok: boolean; why?: string }[]> {
    const out: { item: ManifestItem; ok: boolean; why?: string }[] = [];
    for (const item of this.manifest.items) {
      if (item.state !== 'moved') continue;
      const from = path.join(this.dir, 'items', item.name);
      try {
        await fs.promises.lstat(item.originalPath);
        out.push({ item, ok: false, why: 'a folder with that name exists again' });
        continue;
      } catch {
        // free: restore
      }
      try {
        await fs.promises.rename(from, item.originalPath);
        item.state = 'restored';
        out.push({ item, ok: true });
      } catch (e) {
        out.push({ item, ok: false, why: (e as NodeJS.ErrnoException).code ?? String(e) });
      }
    }
    await writeManifest(this.dir, this.manifest);
    if (this.manifest.items.every((i) => i.state === 'restored')) await fs.promises.rm(this.dir, { recursive: true, force: true });
    return out;
  }

  get movedItems(): ManifestItem[] {
    return this.manifest.items.filter((i) => i.state === 'moved');
  }

  async delete(): Promise<void> {
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }
}

/** Every batch in the quarantine, newest first; unreadable ones reported. */
export async function listBatches(extensionsDir: string): Promise<{ batches: Batch[]; problems: string[] }> {
  const root = quarantineRoot(extensionsDir);
  const out = { batches: [] as Batch[], problems: [] as string[] };
  let names: string[];
  try {
    names = await fs.promises.readdir(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') out.problems.push(`cannot read ${root}: ${String(e)}`);
    return out;
  }
  for (const name of names) {
    const b = await Batch.open(path.join(root, name));
    if (b instanceof Batch) out.batches.push(b);
    else out.problems.push(b.error);
  }
  out.batches.sort((a, b) => b.manifest.createdAtMs - a.manifest.createdAtMs);
  return out;
}

/** Deletes batches older than `days`. Returns the deleted batch ids. */
export async function purgeOlderThan(extensionsDir: string, days: number, nowMs: number): Promise<string[]> {
  const { batches } = await listBatches(extensionsDir);
  const old = batches.filter((b) => nowMs - b.manifest.createdAtMs > days * 86_400_000);
  for (const b of old) await b.delete();
  return old.map((b) => b.manifest.id);
}
