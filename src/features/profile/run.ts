// The Profile Extension Host command: profiles this extension host (profiler.ts), attributes the result to extensions
// (model.ts) and keeps it. Loaded on first use (a chunk of its own in the bundle), not at activation.
import * as fs from 'fs';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Views } from '../../core/ids';
import { MemoryFeature } from '../memory/feature';
import type { ProfileStore } from './index';
import { AttributionContext, attributeProfiles, busyRows, keepResults } from './model';
import { profileSelf } from './profiler';

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

export async function runProfile(core: Core, context: vscode.ExtensionContext, memory: MemoryFeature, store: ProfileStore): Promise<void> {
  if (store.running) {
    void vscode.window.showInformationMessage(vscode.l10n.t('A profile of this extension host is already running.'));
    return;
  }
  store.running = true;
  const { profileSeconds: seconds, profileCpuIntervalMs, profileHeapIntervalKiB, profileHeapPercent } = core.settings();
  const hold = core.scans.hold();
  const resume = memory.pause();
  try {
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
    await store.save(keepResults(store.results, result, KEEP));
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
