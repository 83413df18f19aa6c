// Attribution of a CPU profile (Profiler.Profile) and a sampling heap profile (HeapProfiler.SamplingHeapProfile) of this
// extension host to extensions, by the script URL / file path of each frame. Pure (no `vscode`): fixture-tested.
//
// A frame belongs to an extension when its file lies under a known extension root (vscode.extensions.all, with real
// paths, so symlinked folders count) or in any install folder `publisher.name-version[-platform]` (code-server's
// --extensions-dir can be anywhere). A sample (or a sampled allocation) is charged to the nearest extension frame on its
// stack, leaf first: the Node internals and VS Code API code an extension calls are that extension's cost. A stack
// without an extension frame goes to its leaf's bucket: VS Code itself (under the app root), Node internals (`node:`),
// GC, idle, V8 native ("program"), or unknown.
import { extensionFolderOf } from '../ai/patterns/argv';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
  scriptId?: string;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HeapProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  id: number;
  children: HeapProfileNode[];
}

export interface SamplingHeapProfile {
  head: HeapProfileNode;
  samples?: { size: number; nodeId: number; ordinal: number }[];
}

export type BucketKind = 'extension' | 'vscode' | 'node' | 'gc' | 'idle' | 'program' | 'unknown';

export interface ExtensionRoot {
  id: string;
  /** Absolute folder paths of the extension (its path and, when different, its real path). */
  paths: string[];
}

export interface AttributionContext {
  /** Known extensions (vscode.extensions.all). */
  extensions: ExtensionRoot[];
  /** VS Code's app root (vscode.env.appRoot): frames under it (and not under an extension) are VS Code itself. */
  appRoot?: string;
  /** This extension's id: its bucket is flagged `self`. */
  selfId?: string;
}

export interface Bucket {
  key: string;
  kind: BucketKind;
  /** Extension id, or the bucket's name. */
  label: string;
  self: boolean;
}

export interface HotFunction {
  name: string;
  /** "out/extension.js:12" (relative to the extension root when known). */
  location: string;
  ms: number;
}

export interface ProfileRow extends Bucket {
  cpuMs: number;
  cpuPercent: number;
  /** Sampled allocations made during the window and still live at its end (bytes). */
  liveBytes: number;
  top: HotFunction[];
}

export interface ProfileResult {
  takenAtMs: number;
  durationMs: number;
  /** How long the heap sampler ran, at the end of the window (missing in results kept from before it was partial). */
  heapSampledMs?: number;
  totalCpuMs: number;
  totalLiveBytes: number;
  samples: number;
  /** Sorted by CPU time, then live bytes. */
  rows: ProfileRow[];
}

const SPECIAL: Record<string, BucketKind> = {
  '(garbage collector)': 'gc',
  '(idle)': 'idle',
  '(program)': 'program',
};

const LABELS: Record<Exclude<BucketKind, 'extension'>, string> = {
  vscode: 'VS Code',
  node: 'Node internals',
  gc: 'Garbage collection',
  idle: 'Idle',
  program: 'V8 native (program)',
  unknown: 'Unknown',
};

const bucketOf = (kind: Exclude<BucketKind, 'extension'>): Bucket => ({ key: kind, kind, label: LABELS[kind], self: false });

/** A script URL as a file path: file:// URLs decoded, absolute paths kept, anything else undefined. */
export function urlToPath(url: string): string | undefined {
  if (url.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(url).pathname);
    } catch {
      return undefined;
    }
  }
  return url.startsWith('/') ? url : undefined;
}

const under = (p: string, root: string): boolean => {
  const r = root.replace(/\/+$/, '');
  return r.length > 0 && (p === r || p.startsWith(r + '/'));
};

export interface FrameOwner {
  bucket: Bucket;
  /** The extension root the file lies under, when known (for relative locations). */
  root?: string;
}

/** Resolves script URLs to owners, with a cache (a profile repeats the same URLs thousands of times). */
export class UrlAttributor {
  private readonly cache = new Map<string, FrameOwner | undefined>();
  private readonly roots: { id: string; path: string }[];

  constructor(private readonly ctx: AttributionContext) {
    // Longest root first: a nested folder wins over its parent.
    this.roots = ctx.extensions
      .flatMap((e) => e.paths.map((p) => ({ id: e.id.toLowerCase(), path: p.replace(/\/+$/, '') })))
      .filter((r) => r.path.length > 1)
      .sort((a, b) => b.path.length - a.path.length);
  }

  private extensionBucket(id: string): Bucket {
    return { key: `ext:${id}`, kind: 'extension', label: id, self: id === this.ctx.selfId?.toLowerCase() };
  }

  /** The extension a URL belongs to (undefined: none), with its root. */
  extensionOf(url: string): FrameOwner | undefined {
    if (this.cache.has(url)) return this.cache.get(url);
    const owner = this.resolve(url);
    this.cache.set(url, owner);
    return owner;
  }

  private resolve(url: string): FrameOwner | undefined {
    const p = urlToPath(url);
    if (!p) return undefined;
    const known = this.roots.find((r) => under(p, r.path));
    if (known) return { bucket: this.extensionBucket(known.id), root: known.path };
    const folder = extensionFolderOf(p);
    if (!folder) return undefined;
    const idx = p.indexOf(`/${folder.folder}/`);
    return { bucket: this.extensionBucket(folder.id), root: idx >= 0 ? p.slice(0, idx + folder.folder.length + 1) : undefined };
  }

  /** The bucket of a frame that is not in an extension. */
  leafBucket(frame: CallFrame): Bucket {
    const special = SPECIAL[frame.functionName];
    if (special && !frame.url) return bucketOf(special as Exclude<BucketKind, 'extension'>);
    const url = frame.url;
    if (url.startsWith('node:') || /^internal[/:]/.test(url)) return bucketOf('node');
    const p = urlToPath(url);
    if (p && this.ctx.appRoot && under(p, this.ctx.appRoot)) return bucketOf('vscode');
    return bucketOf('unknown');
  }
}

/** "out/extension.js:12" relative to the root, else the last two path segments; 1-based line. */
export function locationOf(frame: CallFrame, root?: string): string {
  const line = frame.lineNumber >= 0 ? `:${frame.lineNumber + 1}` : '';
  if (!frame.url) return '(native)';
  const p = urlToPath(frame.url) ?? frame.url;
  if (root && under(p, root)) return p.slice(root.length + 1) + line;
  const parts = p.split('/').filter(Boolean);
  return parts.slice(-2).join('/') + line;
}

interface Charge {
  bucket: Bucket;
  /** The frame whose function is reported as "hot" for this charge. */
  frame: CallFrame;
  root?: string;
}

/** Resolves each node of a tree to its charge: the nearest extension frame from it up to the root, else its own bucket. */
function chargeFor(frame: CallFrame, nearestExtension: Charge | undefined, a: UrlAttributor): { own?: Charge; charge: Charge } {
  const special = SPECIAL[frame.functionName];
  // GC, idle and (program) are never an extension's, whatever sits above them (they are top-level in V8's profiles).
  if (special && !frame.url) return { charge: { bucket: a.leafBucket(frame), frame } };
  const ext = frame.url ? a.extensionOf(frame.url) : undefined;
  if (ext) {
    const own = { bucket: ext.bucket, frame, root: ext.root };
    return { own, charge: own };
  }
  return { charge: nearestExtension ?? { bucket: a.leafBucket(frame), frame } };
}

class Accumulator {
  readonly rows = new Map<string, { bucket: Bucket; cpuMs: number; liveBytes: number; fns: Map<string, HotFunction> }>();

  private row(b: Bucket) {
    let r = this.rows.get(b.key);
    if (!r) {
      r = { bucket: b, cpuMs: 0, liveBytes: 0, fns: new Map() };
      this.rows.set(b.key, r);
    }
    return r;
  }

  addCpu(c: Charge, ms: number): void {
    const r = this.row(c.bucket);
    r.cpuMs += ms;
    const name = c.frame.functionName || '(anonymous)';
    const location = locationOf(c.frame, c.root);
    const key = `${name}@${location}`;
    const f = r.fns.get(key) ?? { name, location, ms: 0 };
    f.ms += ms;
    r.fns.set(key, f);
  }

  addLive(c: Charge, bytes: number): void {
    this.row(c.bucket).liveBytes += bytes;
  }
}

/** The CPU time of each sample (ms): the delta to the next sample; the last one runs to endTime. Negative deltas count 0. */
export function sampleDurationsMs(p: CpuProfile): number[] {
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  const out: number[] = new Array<number>(samples.length).fill(0);
  let t = p.startTime;
  const times: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    times.push(t);
  }
  for (let i = 0; i < samples.length; i++) {
    const next = i + 1 < samples.length ? times[i + 1] : Math.max(p.endTime, times[i]);
    out[i] = Math.max(0, next - times[i]) / 1000;
  }
  return out;
}

function attributeCpu(p: CpuProfile, a: UrlAttributor, acc: Accumulator): number {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const charges = new Map<number, Charge>();
  const nearest = new Map<number, Charge | undefined>();
  // Resolve from the root down (iteratively: stacks can be deep), so each node knows its nearest extension ancestor.
  const roots = p.nodes.filter((n) => !parent.has(n.id));
  const stack: { id: number; above?: Charge }[] = roots.map((r) => ({ id: r.id }));
  while (stack.length) {
    const { id, above } = stack.pop()!;
    const node = byId.get(id);
    if (!node || charges.has(id)) continue;
    const { own, charge } = chargeFor(node.callFrame, above, a);
    charges.set(id, charge);
    nearest.set(id, own ?? above);
    for (const c of node.children ?? []) stack.push({ id: c, above: own ?? above });
  }
  const durations = sampleDurationsMs(p);
  const samples = p.samples ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const c = charges.get(samples[i]);
    if (!c) continue;
    acc.addCpu(c, durations[i]);
    total += durations[i];
  }
  return total;
}

function attributeHeap(h: SamplingHeapProfile, a: UrlAttributor, acc: Accumulator): number {
  let total = 0;
  const stack: { node: HeapProfileNode; above?: Charge }[] = [{ node: h.head }];
  while (stack.length) {
    const { node, above } = stack.pop()!;
    const { own, charge } = chargeFor(node.callFrame, above, a);
    if (node.selfSize > 0) {
      acc.addLive(charge, node.selfSize);
      total += node.selfSize;
    }
    for (const c of node.children ?? []) stack.push({ node: c, above: own ?? above });
  }
  return total;
}

/** Attributes both profiles of one window; either may be missing (e.g. the heap sampler failed). */
export function attributeProfiles(
  input: { cpu?: CpuProfile; heap?: SamplingHeapProfile; takenAtMs: number; durationMs: number; heapSampledMs?: number },
  ctx: AttributionContext,
): ProfileResult {
  const a = new UrlAttributor(ctx);
  const acc = new Accumulator();
  const totalCpuMs = input.cpu ? attributeCpu(input.cpu, a, acc) : 0;
  const totalLiveBytes = input.heap ? attributeHeap(input.heap, a, acc) : 0;
  const rows: ProfileRow[] = [...acc.rows.values()].map((r) => ({
    ...r.bucket,
    cpuMs: round(r.cpuMs),
    cpuPercent: totalCpuMs > 0 ? round((r.cpuMs / totalCpuMs) * 100) : 0,
    liveBytes: r.liveBytes,
    top: [...r.fns.values()]
      .sort((x, y) => y.ms - x.ms)
      .slice(0, 3)
      .map((f) => ({ ...f, ms: round(f.ms) })),
  }));
  rows.sort((x, y) => y.cpuMs - x.cpuMs || y.liveBytes - x.liveBytes || x.key.localeCompare(y.key));
  return {
    takenAtMs: input.takenAtMs,
    durationMs: input.durationMs,
    ...(input.heapSampledMs !== undefined ? { heapSampledMs: input.heapSampledMs } : {}),
    totalCpuMs: round(totalCpuMs),
    totalLiveBytes,
    samples: input.cpu?.samples?.length ?? 0,
    rows,
  };
}

const round = (x: number): number => Math.round(x * 10) / 10;

/** Rows that are the extension host's work (not idle): the ones that answer "which extension is it". */
export function busyRows(r: ProfileResult): ProfileRow[] {
  return r.rows.filter((row) => row.kind !== 'idle');
}

/** Keeps the newest `max` results, newest first. */
export function keepResults(previous: readonly ProfileResult[], next: ProfileResult, max: number): ProfileResult[] {
  return [next, ...previous].sort((a, b) => b.takenAtMs - a.takenAtMs).slice(0, Math.max(1, max));
}

/** One kept result as the Memory view's table shows it (formatted here so the webview only places text). */
export interface ProfileView {
  title: string;
  note: string;
  rows: { name: string; cpuMs: string; cpuPercent: string; liveMb: string; top: string; self: boolean; kind: BucketKind }[];
}

/** Over which part of the window the live allocations were sampled (the heap sampler runs only at its end). */
function heapText(r: ProfileResult): string {
  if (r.heapSampledMs === undefined || r.heapSampledMs >= r.durationMs - 50) return '';
  if (r.heapSampledMs === 0) return ' (the heap sampler did not run)';
  return ` (made in the last ${(r.heapSampledMs / 1000).toFixed(1)} s of the window and live at its end)`;
}

export function profileView(r: ProfileResult, when: (ms: number) => string): ProfileView {
  const mbText = (b: number): string => (b / (1024 * 1024)).toFixed(1);
  const own = r.rows.find((row) => row.self);
  const ownText = own ? `; code-server Ops itself: ${own.cpuMs} ms (${own.cpuPercent} %)` : '';
  return {
    title: `${when(r.takenAtMs)} — ${(r.durationMs / 1000).toFixed(1)} s`,
    note: `${r.samples} CPU samples, ${r.totalCpuMs} ms; ${mbText(r.totalLiveBytes)} MB sampled live allocations${heapText(r)}${ownText}`,
    rows: r.rows.map((row) => ({
      name: row.self ? `${row.label} (this extension)` : row.label,
      cpuMs: row.cpuMs.toFixed(1),
      cpuPercent: row.cpuPercent.toFixed(1),
      liveMb: mbText(row.liveBytes),
      top: row.top.map((f) => `${f.name} (${f.location}) ${f.ms.toFixed(1)} ms`).join('; '),
      self: row.self,
      kind: row.kind,
    })),
  };
}
