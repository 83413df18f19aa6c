// A short note per view, shown as its title's description (e.g. the policies' last run), kept by whoever owns the
// text and shown by every TreeView bound to that view id.
import * as vscode from 'vscode';

export class ViewNotes {
  private readonly notes = new Map<string, string | undefined>();
  private readonly views = new Map<string, Set<vscode.TreeView<unknown>>>();

  set(viewId: string, text: string | undefined): void {
    if (this.notes.get(viewId) === text) return;
    this.notes.set(viewId, text);
    for (const v of this.views.get(viewId) ?? []) v.description = text;
  }

  bind(viewId: string, view: vscode.TreeView<unknown>): vscode.Disposable {
    const set = this.views.get(viewId) ?? new Set();
    this.views.set(viewId, set.add(view));
    view.description = this.notes.get(viewId);
    return new vscode.Disposable(() => set.delete(view));
  }
}
