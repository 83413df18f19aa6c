// Profiles this process (the extension host) through node:inspector's in-process Session: a CPU profile and a sampling
// heap profile over the same window. Nothing is loaded until profileSelf runs (the module is required lazily by the
// command), and the session is always disconnected afterwards. No `vscode` here.
import type { Session } from 'node:inspector';
import { DEFAULTS } from '../../core/settingsRead';
import { CpuProfile, SamplingHeapProfile } from './model';

export interface ProfileWindow {
  cpu?: CpuProfile;
  heap?: SamplingHeapProfile;
  takenAtMs: number;
  durationMs: number;
  /** True when the window was cut short by cancellation (the profiles cover the time until then). */
  cancelled: boolean;
  /** How long the heap sampler ran (the last part of the window; 0 when it did not run). */
  heapSampledMs: number;
  /** Problems met (e.g. the heap sampler could not start); the CPU profile may still be there. */
  problems: string[];
}

export interface ProfileOptions {
  durationMs: number;
  /** Stops the window early (the profiles are still taken). */
  signal?: AbortSignal;
  /** CPU sampling interval in µs (default DEFAULT_CPU_INTERVAL_US; 0 = no CPU profile). */
  samplingIntervalUs?: number;
  /** Heap sampling interval in bytes (default DEFAULT_HEAP_INTERVAL_BYTES; 0 = no heap profile). */
  heapSamplingIntervalBytes?: number;
  /** Share of the window, in percent, at its end, during which the heap sampler runs (default DEFAULT_HEAP_PERCENT). */
  heapSamplePercent?: number;
}

// Defaults (csops.profile.cpuSampleIntervalMs / heapSampleIntervalKiB / heapSamplePercent): CPU every 2 ms, heap every
// 32 KiB, the heap sampler only over the last 20 % of the window. Measured with scripts/bench/profile-intervals.js
// (README "Performance", Node 24): while V8's sampling heap profiler is on, every allocation is slower — ×1.13–1.16 CPU
// on an allocation-heavy host at ANY interval (64 MiB, i.e. no samples at all, costs the same as 32 KiB: it is the
// allocation observer, not the samples), and ×1.2–1.4 together with the CPU profiler. Run for a fifth of the window, the
// cost is a fifth; the live allocations are then those of the window's last seconds still live at its end.
export const DEFAULT_CPU_INTERVAL_US = DEFAULTS.profileCpuIntervalMs * 1000;
export const DEFAULT_HEAP_INTERVAL_BYTES = DEFAULTS.profileHeapIntervalKiB * 1024;
export const DEFAULT_HEAP_PERCENT = DEFAULTS.profileHeapPercent;

/** When the heap sampler starts, in ms after the window's start, and for how long it runs. */
export function heapSubWindow(durationMs: number, percent: number): { startMs: number; lengthMs: number } {
  const p = Math.min(100, Math.max(0, percent));
  const lengthMs = Math.round((durationMs * p) / 100);
  return { startMs: durationMs - lengthMs, lengthMs };
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

function wait(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(true);
    const done = (aborted: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(aborted);
    };
    const onAbort = (): void => done(true);
    const timer = setTimeout(() => done(false), ms);
    signal?.addEventListener('abort', onAbort);
  });
}

export async function profileSelf(o: ProfileOptions): Promise<ProfileWindow> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a profile is asked for
  const inspector = require('node:inspector') as typeof import('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const problems: string[] = [];
  const takenAtMs = Date.now();
  const started = performance.now();
  let heapOn = false;
  let heapStartedAt = 0;
  let cpuOn = false;
  try {
    const cpuInterval = o.samplingIntervalUs ?? DEFAULT_CPU_INTERVAL_US;
    const heapInterval = o.heapSamplingIntervalBytes ?? DEFAULT_HEAP_INTERVAL_BYTES;
    const heapWindow = heapSubWindow(o.durationMs, o.heapSamplePercent ?? DEFAULT_HEAP_PERCENT);
    const wantHeap = heapInterval > 0 && heapWindow.lengthMs > 0;
    if (cpuInterval > 0) {
      await post(session, 'Profiler.enable');
      await post(session, 'Profiler.setSamplingInterval', { interval: cpuInterval });
      await post(session, 'Profiler.start');
      cpuOn = true;
    }
    const startHeap = async (): Promise<void> => {
      try {
        await post(session, 'HeapProfiler.enable');
        await post(session, 'HeapProfiler.startSampling', { samplingInterval: heapInterval });
        heapOn = true;
        heapStartedAt = performance.now();
      } catch (e) {
        problems.push(`heap sampling not available: ${String(e)}`);
      }
    };
    // The CPU profile covers the whole window; the heap sampler only its last part (see DEFAULT_HEAP_PERCENT).
    let cancelled = wantHeap && heapWindow.startMs > 0 ? await wait(heapWindow.startMs, o.signal) : false;
    if (wantHeap && !cancelled) await startHeap();
    // the rest of the window; the heap sampler gets at least its share even when the first wait ran late (a busy host)
    const left = o.durationMs - (performance.now() - started);
    if (!cancelled) cancelled = await wait(heapOn ? Math.max(left, heapWindow.lengthMs) : left, o.signal);
    let profile: CpuProfile | undefined;
    if (cpuOn) {
      profile = (await post<{ profile: CpuProfile }>(session, 'Profiler.stop')).profile;
      cpuOn = false;
    }
    let heap: SamplingHeapProfile | undefined;
    let heapSampledMs = 0;
    if (heapOn) {
      try {
        heap = (await post<{ profile: SamplingHeapProfile }>(session, 'HeapProfiler.stopSampling')).profile;
        heapSampledMs = Math.round(performance.now() - heapStartedAt);
        heapOn = false;
      } catch (e) {
        problems.push(`heap sampling failed: ${String(e)}`);
      }
    }
    const durationMs = Math.round(performance.now() - started);
    return { cpu: profile, heap, takenAtMs, durationMs, heapSampledMs, cancelled, problems };
  } finally {
    // Leave nothing enabled behind, whatever failed above.
    if (cpuOn) await post(session, 'Profiler.stop').catch(() => undefined);
    if (heapOn) await post(session, 'HeapProfiler.stopSampling').catch(() => undefined);
    await post(session, 'HeapProfiler.disable').catch(() => undefined);
    await post(session, 'Profiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
