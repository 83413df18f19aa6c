// A feature's cached model and its change event. Views render what a source publishes; commands, metrics and
// diagnostics ask the source (never a view) for a model.
import * as vscode from 'vscode';

export class ModelSource<M> implements vscode.Disposable {
  private current?: M;
  private readonly changed = new vscode.EventEmitter<M>();
  readonly onDidChange = this.changed.event;

  /** The model last published, if any (never computes one). */
  get latest(): M | undefined {
    return this.current;
  }

  protected publish(model: M): M {
    this.current = model;
    this.changed.fire(model);
    return model;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The items a command was invoked on: the multi-selection if there is one, else the clicked item, narrowed by type. */
export function selectedItems<T>(isItem: (x: unknown) => x is T, item?: unknown, selected?: unknown): T[] {
  let all: unknown[] = [];
  if (Array.isArray(selected) && selected.length) all = selected as unknown[];
  else if (item) all = [item];
  return all.filter(isItem);
}

/** `instanceof` as a type guard, for selectedItems. */
export function instanceOf<T>(cls: abstract new (...args: never[]) => T): (x: unknown) => x is T {
  return (x: unknown): x is T => x instanceof cls;
}
