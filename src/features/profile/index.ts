// Profile Extension Host: a CPU profile and a sampling heap profile of this extension host over N seconds (csops.profile.seconds),
// attributed to extensions by script path, shown in the Memory view and kept (the last few, with their time) in global state.
// Cheap when unused: node:inspector is loaded by the command only, and the session is disconnected afterwards. While a
// profile runs our own polls and sampling timers pause, so the numbers are the other extensions' (our own row shows the rest).
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands } from '../../core/ids';
import { MemoryFeature } from '../memory/feature';
import type { ProfileResult } from './model';

const STATE_KEY = 'csops.profile.results';

export class ProfileStore {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  running = false;

  constructor(private readonly state: vscode.Memento) {}

  get results(): ProfileResult[] {
    const v = this.state.get<unknown>(STATE_KEY);
    return Array.isArray(v) ? (v as ProfileResult[]) : [];
  }

  /** Replaces the kept results (the profile run computes which to keep). */
  async save(results: ProfileResult[]): Promise<void> {
    await this.state.update(STATE_KEY, results);
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function register(core: Core, context: vscode.ExtensionContext, memory: MemoryFeature): ProfileStore {
  const store = new ProfileStore(context.globalState);
  memory.view.attachProfiles(() => store.results, store.onDidChange);
  context.subscriptions.push(
    store,
    vscode.commands.registerCommand(Commands.profileExtensionHost, () => {
      // Loaded on first use (dist/chunks/profile-run.js in the bundle, with the attribution and the profiler).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runProfile } = require('./run') as typeof import('./run');
      return runProfile(core, context, memory, store);
    }),
    vscode.commands.registerCommand(Commands.writeHeapSnapshot, () => {
      // Loaded on first use (dist/chunks/snapshot.js in the bundle), not at activation.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { writeHeapSnapshot } = require('./snapshot') as typeof import('./snapshot');
      return writeHeapSnapshot(core, context);
    }),
  );
  return store;
}
