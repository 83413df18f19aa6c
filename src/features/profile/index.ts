// Profile Extension Host: a CPU profile and a sampling heap profile of this extension host over N seconds (csops.profile.seconds),
// attributed to extensions by script path, shown in the Memory view and kept (the last few, with their time) in global state.
// Cheap when unused: node:inspector is loaded by the command only, and the session is disconnected afterwards. While a
// profile runs our own polls and sampling timers pause, so the numbers are the other extensions' (our own row shows the rest).
import * as fs from 'fs';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Commands, Views } from '../../core/ids';
import { MemoryFeature } from '../memory/feature';
import { AttributionContext, ProfileResult, attributeProfiles, busyRows, keepResults } from './model';

const STATE_KEY = 'csops.profile.results';
const KEEP = 5;

function realPath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

/** Every known extension with its folder and, when it differs (a symlinked folder), its real path. */
export function attributionContext(selfId: string): AttributionContext {
  return {
    extensions: vscode.extensions.all.map((e) => {
      const real = realPath(e.extensionPath);
      return { id: e.id, paths: real && real !== e.extensionPath ? [e.extensionPath, real] : [e.extensionPath] };
    }),
    appRoot: realPath(vscode.env.appRoot) ?? vscode.env.appRoot,
    selfId,
  };
}

export class ProfileStore {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  running = false;

  constructor(private readonly state: vscode.Memento) {}

  get results(): ProfileResult[] {
    const v = this.state.get<unknown>(STATE_KEY);
    return Array.isArray(v) ? (v as ProfileResult[]) : [];
  }

  async add(r: ProfileResult): Promise<void> {
    await this.state.update(STATE_KEY, keepResults(this.results, r, KEEP));
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
    vscode.commands.registerCommand(Commands.profileExtensionHost, () => runProfile(core, context, memory, store)),
    vscode.commands.registerCommand(Commands.writeHeapSnapshot, () => {
      // Loaded on first use (dist/chunks/snapshot.js in the bundle), not at activation.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { writeHeapSnapshot } = require('./snapshot') as typeof import('./snapshot');
      return writeHeapSnapshot(core, context);
    }),
  );
  return store;
}

async function runProfile(core: Core, context: vscode.ExtensionContext, memory: MemoryFeature, store: ProfileStore): Promise<void> {
  if (store.running) {
    void vscode.window.showInformationMessage(vscode.l10n.t('A profile of this extension host is already running.'));
    return;
  }
  store.running = true;
  const { profileSeconds: seconds, profileCpuIntervalMs, profileHeapIntervalKiB, profileHeapPercent } = core.settings();
  const hold = core.scans.hold();
  const resume = memory.pause();
  try {
    const { profileSelf } = await import('./profiler');
    const window = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Profiling this extension host for {0} s', seconds),
        cancellable: true,
      },
      async (progress, token) => {
        const ac = new AbortController();
        const sub = token.onCancellationRequested(() => ac.abort());
        const started = Date.now();
        const tick = setInterval(() => {
          const left = Math.max(0, seconds - Math.round((Date.now() - started) / 1000));
          progress.report({ message: vscode.l10n.t('{0} s left', left) });
        }, 1000);
        try {
          return await profileSelf({
            durationMs: seconds * 1000,
            signal: ac.signal,
            samplingIntervalUs: Math.round(profileCpuIntervalMs * 1000),
            heapSamplingIntervalBytes: Math.round(profileHeapIntervalKiB * 1024),
            heapSamplePercent: profileHeapPercent,
          });
        } finally {
          clearInterval(tick);
          sub.dispose();
        }
      },
    );
    const result = attributeProfiles(window, attributionContext(context.extension.id));
    for (const p of window.problems) core.log.warn(`profile: ${p}`);
    await store.add(result);
    const top = busyRows(result)[0];
    core.log.info(
      `profile: ${result.samples} samples over ${window.durationMs} ms${window.cancelled ? ' (cancelled early)' : ''}; ` +
        `top: ${top ? `${top.label} ${top.cpuMs} ms (${top.cpuPercent} %)` : 'none'}`,
    );
    await vscode.commands.executeCommand(`${Views.memory}.focus`);
    void vscode.window.showInformationMessage(
      top
        ? vscode.l10n.t(
            'Profile done: {0} used the most CPU ({1} ms, {2} %). The table is in the Memory view.',
            top.label,
            top.cpuMs,
            top.cpuPercent,
          )
        : vscode.l10n.t('Profile done: no CPU samples were taken.'),
    );
  } catch (e) {
    core.log.error(`profile failed: ${String(e)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Profiling the extension host failed: {0}', String(e)));
  } finally {
    resume();
    hold.dispose();
    store.running = false;
  }
}
