// The persisted history of tree ends (features/memory/ends.ts): zod-validated JSON in global storage, one file per
// window key, written atomically 0600. Pure Node, no `vscode`; nothing here throws.
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod/mini';
import { once } from './once';
import { lifecycleFileName } from './lifecycle';

const END_KINDS = ['oom', 'signal', 'heap_exhausted', 'exit', 'unexpected_exit'] as const;
const TREE_KINDS = ['ai', 'terminal', 'extensionHost', 'ptyHost'] as const;
const ms = () => z.number().check(z.nonnegative());

export const EndEntryRecord = once(() =>
  z.object({
    atMs: ms(),
    lastSeenAtMs: ms(),
    kind: z.enum(END_KINDS),
    treeKind: z.enum(TREE_KINDS),
    label: z.string().check(z.maxLength(500)),
    pid: z.int().check(z.positive()),
    starttime: z.int().check(z.nonnegative()),
    uptimeMs: ms(),
    lastRssBytes: ms(),
    reason: z.string().check(z.maxLength(500)),
    thingKey: z.string().check(z.regex(/^[0-9a-f]{16}$/)),
    pids: z.array(z.int().check(z.positive())).check(z.maxLength(64)),
    code: z.optional(z.int()),
  }),
);
export type StoredEnd = z.infer<ReturnType<typeof EndEntryRecord>>;

export const EndsFileRecord = once(() =>
  z.object({
    version: z.literal(1),
    ends: z.array(EndEntryRecord()).check(z.maxLength(200)),
  }),
);

/** The file of a window key (named like its lifecycle file). */
export const endsFile = (dir: string, windowKey: string): string =>
  path.join(dir, lifecycleFileName(windowKey).replace(/^lifecycle-/, 'ends-'));

/** The stored ends (oldest first); a missing file gives none and no problem. */
export async function readEnds(file: string): Promise<{ ends: StoredEnd[]; problem?: string }> {
  let text: string;
  try {
    const stat = await fs.promises.stat(file);
    if (stat.size > 1024 * 1024) return { ends: [], problem: `${file}: too large (${stat.size} bytes)` };
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { ends: [] } : { ends: [], problem: `${file}: ${code ?? String(e)}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ends: [], problem: `${file}: invalid JSON` };
  }
  const parsed = EndsFileRecord().safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`);
    return { ends: [], problem: `${file}: ${issues.join('; ')}` };
  }
  return { ends: parsed.data.ends };
}

/** Writes the ends atomically (temp file 0600 + rename, folder 0700), the newest `max` only. */
export async function writeEnds(file: string, ends: readonly StoredEnd[], max = 50): Promise<{ ok: true } | { ok: false; error: string }> {
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await fs.promises.writeFile(tmp, JSON.stringify({ version: 1, ends: ends.slice(-max) }), { mode: 0o600 });
    await fs.promises.rename(tmp, file);
    return { ok: true };
  } catch (e) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    return { ok: false, error: `${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
}
