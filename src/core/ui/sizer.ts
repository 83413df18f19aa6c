// Sizing a view's folders in the background, shared by the Extensions and Disk views: `du -s -B1` sizes (one GNU du
// child for all the missing folders; the yielding, cancellable folderSize walk where du is unusable), cached by
// mtime + inode, progress in the view, a context key for "Stop Sizing", and the model published again as sizes fill
// in. A newer run, "Stop Sizing" or dispose cancels the running one (and kills its du child).
import * as vscode from 'vscode';
import { SizeCache } from '../../probes/folderSize';
import { ModelSource } from '../source';

/** The du child and the walk it falls back to: a chunk of its own (scripts/bundle.js), loaded at the first sizing. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const duSize = (): typeof import('../../probes/duSize') => require('../../probes/duSize') as typeof import('../../probes/duSize');

export interface SizedEntry {
  path: string;
  mtimeMs: number;
  ino: number;
}

export interface SizedModel {
  sizes: Map<string, number>;
  sizing: boolean;
}

export interface SizerOptions {
  viewId: string;
  /** The `when` context key that shows "Stop Sizing" while a run is going. */
  contextKey: string;
  title(): string;
  /** Publish after this many folders (and at the end). */
  publishEvery: number;
}

export class BackgroundSizer {
  private readonly cache = new SizeCache<{ bytes: number }>();
  private token = 0;

  constructor(private readonly o: SizerOptions) {}

  /** Fills `sizes` with what the cache still knows; returns the entries that need sizing. */
  fromCache<E extends SizedEntry>(entries: readonly E[], sizes: Map<string, number>): E[] {
    for (const e of entries) {
      const cached = this.cache.get(e.path, e.mtimeMs, e.ino);
      if (cached) sizes.set(e.path, cached.bytes);
    }
    return entries.filter((e) => !sizes.has(e.path));
  }

  /** Sizes `entries` into model.sizes, publishing as they fill in; ends with model.sizing false unless cancelled. */
  async size<M extends SizedModel>(model: M, entries: readonly SizedEntry[], publish: (m: M) => void): Promise<void> {
    const token = ++this.token;
    const stale = (): boolean => token !== this.token;
    const byPath = new Map(entries.map((e) => [e.path, e]));
    void vscode.commands.executeCommand('setContext', this.o.contextKey, true);
    try {
      await vscode.window.withProgress({ location: { viewId: this.o.viewId }, title: this.o.title() }, async () => {
        let done = 0;
        const onSize = (p: string, bytes: number): void => {
          const e = byPath.get(p);
          if (!e || stale()) return;
          this.cache.set(e.path, e.mtimeMs, e.ino, { bytes });
          model.sizes.set(e.path, bytes);
          if (++done % this.o.publishEvery === 0) publish(model);
        };
        if (!stale()) await duSize().sizeFolders([...byPath.keys()], { isCancelled: stale, onSize });
      });
    } finally {
      if (!stale()) {
        model.sizing = false;
        publish(model);
        void vscode.commands.executeCommand('setContext', this.o.contextKey, false);
      }
    }
  }

  /** "Stop Sizing": sizes computed so far stay; the rest show "…" until the next refresh. */
  stop<M extends SizedModel>(model: M | undefined, publish: (m: M) => void): void {
    this.token++;
    if (model) {
      model.sizing = false;
      publish(model);
    }
    void vscode.commands.executeCommand('setContext', this.o.contextKey, false);
  }

  /** Cancels a running sizing without publishing (dispose, a hidden view). */
  cancel(): void {
    this.token++;
  }
}

/**
 * A source whose model carries folder sizes: `publishSized` fills what the cache knows, publishes at once, then sizes
 * the rest in the background and publishes as they fill in; "Stop Sizing" and dispose end a running sizing.
 */
export class SizedSource<M extends SizedModel> extends ModelSource<M> {
  private readonly sizer: BackgroundSizer;

  constructor(options: SizerOptions) {
    super();
    this.sizer = new BackgroundSizer(options);
  }

  protected async publishSized(model: M, entries: readonly SizedEntry[]): Promise<M> {
    const missing = this.sizer.fromCache(entries, model.sizes);
    model.sizing = missing.length > 0;
    this.publish(model);
    if (missing.length) await this.sizer.size(model, missing, (m) => this.publish(m));
    return model;
  }

  /** "Stop Sizing": sizes computed so far stay; the rest show "…" until the next refresh. */
  stopSizing(): void {
    this.sizer.stop(this.latest, (m) => this.publish(m));
  }

  dispose(): void {
    this.sizer.cancel();
    super.dispose();
  }
}
