// The part every tree of this extension shares: a provider that renders one model and re-renders all of it when a
// new model arrives (the views rebuild their models from one scan, so there is no finer-grained change to report).
import * as vscode from 'vscode';

export abstract class ModelTreeProvider<M, N extends vscode.TreeItem> implements vscode.TreeDataProvider<N>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<N | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  model?: M;

  set(model: M | undefined): void {
    this.model = model;
    this.changed.fire(undefined);
  }

  getTreeItem(node: N): vscode.TreeItem {
    return node;
  }

  abstract getChildren(node?: N): N[];

  dispose(): void {
    this.changed.dispose();
  }
}
