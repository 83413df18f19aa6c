// The views' title descriptions, composed of the view's own text (its counts, its folder) and a note kept by another
// feature (the policies' last run): "1 shell · 1 detached · Policy 11:42: stopped 1 detached shell(s) …".
import * as vscode from 'vscode';

export class ViewNotes {
  private readonly entries = new Map<string, { view?: vscode.TreeView<unknown>; own?: string; note?: string }>();
  private readonly shown = new vscode.EventEmitter<string>();
  /** A view with a note became visible (its first render, or shown again): the note's owner may re-read it. */
  readonly onDidShow = this.shown.event;

  private entry(viewId: string) {
    let e = this.entries.get(viewId);
    if (!e) this.entries.set(viewId, (e = {}));
    return e;
  }

  private apply(viewId: string): void {
    const e = this.entry(viewId);
    if (e.view) e.view.description = [e.own, e.note].filter(Boolean).join(' · ') || undefined;
  }

  /** The view's own description (what the tree would set as TreeView.description). */
  describe(viewId: string, view: vscode.TreeView<unknown>, own: string | undefined): void {
    const e = this.entry(viewId);
    const first = e.view !== view;
    if (first) view.onDidChangeVisibility((v) => (v.visible ? this.shown.fire(viewId) : undefined)); // ends with the view
    e.view = view;
    e.own = own;
    this.apply(viewId);
    if (first && view.visible) this.shown.fire(viewId);
  }

  /** Another feature's note for the view (undefined: none). */
  set(viewId: string, note: string | undefined): void {
    const e = this.entry(viewId);
    if (e.note === note) return;
    e.note = note;
    this.apply(viewId);
  }
}
