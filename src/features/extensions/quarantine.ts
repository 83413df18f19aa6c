// The quarantine: cleaned folders are moved (renamed: instant, same filesystem, nothing lost) into
// <extensions dir>/.csops-quarantine/<batch>/ with a manifest, so every clean-up can be undone until purged.
// Each move is journaled (fsynced) before its rename and recorded in the manifest after it; a folder the manifest does
// not list is never deleted (see Batch.delete, recoverInterrupted).
// Plain Node (no `vscode`), so unit tests run it on temp folders.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod/mini';
import { once } from '../../probes/once';
import { QUARANTINE_DIR } from '../../probes/extensionsDir';

const ItemRecord = once(() =>
  z.object({
    name: z.string().check(z.minLength(1)),
    originalPath: z.string(),
    cls: z.string(),
    bytes: z.number(),
    ino: z.number(),
    state: z.enum(['moved', 'restored']),
  }),
);
export const ManifestRecord = once(() =>
  z.object({
    version: z.literal(1),
    id: z.string().check(z.regex(/^[\w.-]+$/)),
    createdAtMs: z.number(),
    extensionsDir: z.string(),
    items: z.array(ItemRecord()),
  }),
);
export type Manifest = z.infer<ReturnType<typeof ManifestRecord>>;
export type ManifestItem = z.infer<ReturnType<typeof ItemRecord>>;

export function quarantineRoot(dir: string): string {
  return path.join(dir, QUARANTINE_DIR);
}

const MANIFEST = 'manifest.json';
/** Append-only: one line per folder about to move in, durable before the rename ("moving X"). */
const JOURNAL = 'journal.jsonl';
/** The only files a batch folder holds besides items/: all that removing an emptied batch may unlink. */
const BATCH_FILES = [MANIFEST, `${MANIFEST}.tmp`, JOURNAL];

const errCode = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/**
 * Why an item may not be moved in or out: its name must be one path segment naming a folder of the extensions
 * folder (no `/`, `\`, NUL, `.`, `..`, not the quarantine itself), and its originalPath exactly <dir>/<name>.
 */
export function itemProblem(extensionsDir: string, item: Pick<ManifestItem, 'name' | 'originalPath'>): string | undefined {
  const { name } = item;
  const bad = !name || name === '.' || name === '..' || name === QUARANTINE_DIR || /[/\\\0]/.test(name);
  if (bad) return `invalid item name ${JSON.stringify(name)}`;
  if (item.originalPath !== path.join(extensionsDir, name)) return `item ${JSON.stringify(name)} was not in ${extensionsDir}`;
  return undefined;
}

/** fsync of a folder, so that the entries created or renamed in it survive a crash. */
async function syncDir(dir: string): Promise<void> {
  const h = await fs.promises.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Writes (or appends to) a 0600 file and fsyncs it; a new file's folder is fsynced too. */
async function writeDurably(file: string, text: string, flags: 'wx' | 'a'): Promise<void> {
  const h = await fs.promises.open(file, flags, 0o600);
  try {
    await h.writeFile(text);
    await h.sync();
  } finally {
    await h.close();
  }
  await syncDir(path.dirname(file));
}

async function writeManifest(batchDir: string, m: Manifest): Promise<void> {
  const file = path.join(batchDir, MANIFEST);
  await fs.promises.rm(`${file}.tmp`, { force: true }); // a leftover (of a full disk) is recreated 0600, never reused
  try {
    await writeDurably(`${file}.tmp`, JSON.stringify(m, null, 2), 'wx');
  } catch (e) {
    await fs.promises.rm(`${file}.tmp`, { force: true }).catch(() => undefined);
    throw e;
  }
  await fs.promises.rename(`${file}.tmp`, file);
  await syncDir(batchDir);
}

/** The items a batch's journal says were about to move in, by name (torn or invalid lines are ignored). */
async function readJournal(batchDir: string, extensionsDir: string): Promise<Map<string, Omit<ManifestItem, 'state'>>> {
  const out = new Map<string, Omit<ManifestItem, 'state'>>();
  let text: string;
  try {
    text = await fs.promises.readFile(path.join(batchDir, JOURNAL), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    let parsed;
    try {
      parsed = JournalRecord().safeParse(JSON.parse(line));
    } catch {
      continue;
    }
    if (!parsed.success || itemProblem(extensionsDir, parsed.data)) continue;
    const { op: _op, ...item } = parsed.data;
    out.set(item.name, item);
  }
  return out;
}
const JournalRecord = once(() =>
  z.object({
    op: z.literal('moving'),
    name: z.string(),
    originalPath: z.string(),
    cls: z.string(),
    bytes: z.number(),
    ino: z.number(),
  }),
);

async function entriesOf(dir: string): Promise<string[]> {
  try {
    return await fs.promises.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export class Batch {
  private constructor(
    readonly dir: string,
    readonly manifest: Manifest,
  ) {}

  static async create(extensionsDir: string, nowMs: number): Promise<Batch> {
    const id = `${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const root = quarantineRoot(extensionsDir);
    const dir = path.join(root, id);
    await fs.promises.mkdir(root, { recursive: true, mode: 0o700 });
    const st = await fs.promises.lstat(root);
    if (!st.isDirectory()) throw Object.assign(new Error(`${root} is not a folder`), { code: 'ENOTDIR' });
    if ((st.mode & 0o077) !== 0) await fs.promises.chmod(root, 0o700); // made 0755 by an older version
    await fs.promises.mkdir(dir, { mode: 0o700 }); // not recursive: an existing batch folder is never reused
    const b = new Batch(dir, { version: 1, id, createdAtMs: nowMs, extensionsDir, items: [] });
    try {
      await fs.promises.mkdir(path.join(dir, 'items'), { mode: 0o700 });
      // the header line gives the journal its first block now, while this batch is being created
      await writeDurably(path.join(dir, JOURNAL), `${JSON.stringify({ op: 'open', id })}\n`, 'wx');
      await writeManifest(dir, b.manifest);
    } catch (e) {
      await b.removeIfEmpty().catch(() => undefined); // nothing was moved in: only empty folders and our files go
      throw e;
    }
    return b;
  }

  static async open(batchDir: string): Promise<Batch | { error: string }> {
    let data: Manifest;
    try {
      const parsed = ManifestRecord().safeParse(JSON.parse(await fs.promises.readFile(path.join(batchDir, MANIFEST), 'utf8')));
      if (!parsed.success) return { error: `invalid manifest in ${batchDir}` };
      data = parsed.data;
    } catch (e) {
      return { error: `cannot read the manifest in ${batchDir} (${errCode(e)})` };
    }
    // Nothing in a manifest is trusted: it must describe this very batch, and every item a folder of its extensions folder.
    const here = path.resolve(batchDir);
    if (here !== path.join(quarantineRoot(data.extensionsDir), data.id)) {
      return { error: `invalid manifest in ${batchDir}: it describes ${data.extensionsDir} / ${data.id}` };
    }
    const names = new Set<string>();
    for (const item of data.items) {
      const why = itemProblem(data.extensionsDir, item) ?? (names.has(item.name) ? `item ${item.name} listed twice` : undefined);
      if (why) return { error: `invalid manifest in ${batchDir}: ${why}` };
      names.add(item.name);
    }
    return new Batch(batchDir, data);
  }

  /**
   * Moves a folder into the batch (a rename). First a journal line ("moving X") is made durable, so that a crash or
   * a failed manifest update can never leave a folder in items/ that nothing records; if the manifest update fails,
   * the folder is renamed back (and if even that fails, it stays journaled: recoverInterrupted puts it back).
   */
  async moveIn(item: Omit<ManifestItem, 'state'>): Promise<void> {
    const why = itemProblem(this.manifest.extensionsDir, item);
    if (why) throw Object.assign(new Error(why), { code: 'EINVAL' });
    const inBatch = path.join(this.dir, 'items', item.name);
    await writeDurably(path.join(this.dir, JOURNAL), `${JSON.stringify({ op: 'moving', ...item })}\n`, 'a');
    await fs.promises.rename(item.originalPath, inBatch);
    await syncDir(path.join(this.dir, 'items')).catch(() => undefined); // a lost rename leaves the folder in place: no loss
    this.manifest.items.push({ ...item, state: 'moved' });
    try {
      await writeManifest(this.dir, this.manifest);
    } catch (e) {
      this.manifest.items.pop();
      const back = await moveBack(inBatch, item.originalPath);
      const how = back ? `the folder stays in ${inBatch} (${back}); it is moved back on the next start` : 'the folder was moved back';
      throw Object.assign(new Error(`cannot record ${item.name} in the quarantine manifest (${errCode(e)}): ${how}`), {
        code: (e as NodeJS.ErrnoException).code,
      });
    }
  }

  /** Moves every item back where it was, unless something took its place meanwhile. */
  async restore(): Promise<{ item: ManifestItem; ok: boolean; why?: string }[]> {
    const out: { item: ManifestItem; ok: boolean; why?: string }[] = [];
    for (const item of this.manifest.items) {
      if (item.state !== 'moved') continue;
      const refused = itemProblem(this.manifest.extensionsDir, item);
      if (refused) {
        out.push({ item, ok: false, why: refused });
        continue;
      }
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
        out.push({ item, ok: false, why: errCode(e) });
      }
    }
    // A manifest that cannot be updated (a full disk) still lists restored items as moved: harmless, their place in
    // items/ is empty. The batch goes only once items/ is empty: never what its manifest does not know of.
    await writeManifest(this.dir, this.manifest).catch(() => undefined);
    if (this.manifest.items.every((i) => i.state === 'restored')) await this.removeIfEmpty().catch(() => undefined);
    return out;
  }

  get movedItems(): ManifestItem[] {
    return this.manifest.items.filter((i) => i.state === 'moved');
  }

  /** The entries of items/ that the manifest on disk does not list as moved (unknown: never deleted). */
  async unrecorded(): Promise<string[]> {
    const moved = new Set(this.movedItems.map((i) => i.name));
    return (await entriesOf(path.join(this.dir, 'items'))).filter((n) => !moved.has(n));
  }

  /**
   * Deletes the batch: its recorded items, then its own files and folders. Refused (nothing deleted) when the
   * manifest cannot be read back or items/ holds anything it does not list.
   */
  async delete(): Promise<{ deleted: boolean; why?: string }> {
    const fresh = await Batch.open(this.dir);
    if (!(fresh instanceof Batch)) return { deleted: false, why: fresh.error };
    let unknown: string[];
    try {
      unknown = await fresh.unrecorded();
    } catch (e) {
      return { deleted: false, why: `cannot read ${path.join(this.dir, 'items')} (${errCode(e)})` };
    }
    if (unknown.length) return { deleted: false, why: `${path.join(this.dir, 'items')} holds ${unknown.join(', ')}, not in its manifest` };
    for (const i of fresh.movedItems) await fs.promises.rm(path.join(this.dir, 'items', i.name), { recursive: true, force: true });
    try {
      await fresh.removeIfEmpty();
    } catch (e) {
      return { deleted: false, why: `cannot remove ${this.dir} (${errCode(e)})` };
    }
    return { deleted: true };
  }

  /** Removes the batch folder if items/ is empty: rmdir and unlink of its own files only, never a recursive delete. */
  private async removeIfEmpty(): Promise<void> {
    await fs.promises.rmdir(path.join(this.dir, 'items')).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    for (const f of BATCH_FILES) await fs.promises.rm(path.join(this.dir, f), { force: true });
    await fs.promises.rmdir(this.dir);
  }
}

/** Renames a folder back to where it was, if that place is still free. Returns why not, or undefined when done. */
async function moveBack(from: string, to: string): Promise<string | undefined> {
  try {
    await fs.promises.lstat(to);
    return 'a folder with that name exists again';
  } catch {
    // free
  }
  try {
    await fs.promises.rename(from, to);
    return undefined;
  } catch (e) {
    return errCode(e);
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

/** Deletes batches older than `days`. Returns the deleted batch ids; a batch Batch.delete refuses is kept. */
export async function purgeOlderThan(extensionsDir: string, days: number, nowMs: number): Promise<string[]> {
  const { batches } = await listBatches(extensionsDir);
  const old = batches.filter((b) => nowMs - b.manifest.createdAtMs > days * 86_400_000);
  const deleted: string[] = [];
  for (const b of old) if ((await b.delete()).deleted) deleted.push(b.manifest.id);
  return deleted;
}

/** The pid in a batch id (`<time>-<pid>-<hex>`), if any. */
const creatorPid = (id: string): number | undefined => {
  const m = /-(\d+)-[0-9a-f]{6}$/.exec(id);
  return m ? Number(m[1]) : undefined;
};

export interface Recovery {
  /** Folders moved back where they were (a clean-up that reported them failed, or was interrupted). */
  movedBack: string[];
  /** Folders whose place is taken again: now recorded in their batch's manifest, so Undo offers them. */
  recorded: string[];
  /** What was left alone, and why (unknown entries, unreadable batches, batches of a running clean-up). */
  problems: string[];
}

/**
 * Recovers interrupted clean-ups (run on activation, before the purge): a folder in a batch's items/ that its
 * manifest does not list but its journal does (same inode) is moved back, or, when its place is taken, recorded in
 * the manifest so Undo offers it. Anything else unrecorded is left where it is (and the purge keeps its batch).
 * Batches of another live process younger than an hour may be mid-clean-up and are left for the next start.
 */
export async function recoverInterrupted(
  extensionsDir: string,
  nowMs = Date.now(),
  isLive: (pid: number) => boolean = (pid) => fs.existsSync(`/proc/${pid}`),
): Promise<Recovery> {
  const out: Recovery = { movedBack: [], recorded: [], problems: [] };
  const { batches, problems } = await listBatches(extensionsDir);
  out.problems.push(...problems);
  for (const b of batches) {
    let unknown: string[];
    try {
      unknown = await b.unrecorded();
    } catch (e) {
      out.problems.push(`cannot read ${path.join(b.dir, 'items')} (${errCode(e)})`);
      continue;
    }
    if (unknown.length === 0) continue;
    const pid = creatorPid(b.manifest.id);
    if (pid !== undefined && pid !== process.pid && isLive(pid) && nowMs - b.manifest.createdAtMs < 3_600_000) {
      out.problems.push(`${b.manifest.id}: a clean-up of process ${pid} may be running; left for the next start`);
      continue;
    }
    const journal = await readJournal(b.dir, b.manifest.extensionsDir);
    for (const name of unknown) {
      const inBatch = path.join(b.dir, 'items', name);
      const j = journal.get(name);
      const ino = await fs.promises.lstat(inBatch).then(
        (st) => st.ino,
        () => undefined,
      );
      if (!j || ino !== j.ino) {
        out.problems.push(`${inBatch} is in neither the manifest nor the journal (or is another folder): left as it is`);
        continue;
      }
      const why = await moveBack(inBatch, j.originalPath);
      if (!why) {
        out.movedBack.push(name);
        continue;
      }
      const existing = b.manifest.items.find((i) => i.name === name);
      const saved = existing ? { ...existing } : undefined;
      if (existing) existing.state = 'moved';
      else b.manifest.items.push({ ...j, state: 'moved' });
      try {
        await writeManifest(b.dir, b.manifest);
        out.recorded.push(name);
      } catch (e) {
        if (existing && saved) Object.assign(existing, saved);
        else b.manifest.items.pop();
        out.problems.push(`${inBatch}: not moved back (${why}) and not recorded (${errCode(e)}); left as it is`);
      }
    }
    if (b.manifest.items.every((i) => i.state === 'restored') && (await b.unrecorded().catch(() => ['?'])).length === 0) {
      await b.delete().catch(() => undefined); // an emptied batch with nothing left to undo
    }
  }
  return out;
}
