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
}

// Defaults (csops.profile.cpuSampleIntervalMs / heapSampleIntervalKiB): V8's own, 1 ms and 32 KiB. Measured with
// scripts/bench/profile-intervals.js (README "Performance"): 512 KiB costs ~10 % less on allocation-heavy hosts, but in
// the e2e the burning function then showed as its (inlining) caller in 2 of 3 runs, so it is a setting, not the default.
export const DEFAULT_CPU_INTERVAL_US = DEFAULTS.profileCpuIntervalMs * 1000;
export const DEFAULT_HEAP_INTERVAL_BYTES = DEFAULTS.profileHeapIntervalKiB * 1024;

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
  let cpuOn = false;
  try {
    const cpuInterval = o.samplingIntervalUs ?? DEFAULT_CPU_INTERVAL_US;
    const heapInterval = o.heapSamplingIntervalBytes ?? DEFAULT_HEAP_INTERVAL_BYTES;
    if (cpuInterval > 0) {
      await post(session, 'Profiler.enable');
      await post(session, 'Profiler.setSamplingInterval', { interval: cpuInterval });
    }
    if (heapInterval > 0) {
      try {
        await post(session, 'HeapProfiler.enable');
        await post(session, 'HeapProfiler.startSampling', { samplingInterval: heapInterval });
        heapOn = true;
      } catch (e) {
        problems.push(`heap sampling not available: ${String(e)}`);
      }
    }
    if (cpuInterval > 0) {
      await post(session, 'Profiler.start');
      cpuOn = true;
    }
    const cancelled = await wait(o.durationMs, o.signal);
    let profile: CpuProfile | undefined;
    if (cpuOn) {
      profile = (await post<{ profile: CpuProfile }>(session, 'Profiler.stop')).profile;
      cpuOn = false;
    }
    let heap: SamplingHeapProfile | undefined;
    if (heapOn) {
      try {
        heap = (await post<{ profile: SamplingHeapProfile }>(session, 'HeapProfiler.stopSampling')).profile;
        heapOn = false;
      } catch (e) {
        problems.push(`heap sampling failed: ${String(e)}`);
      }
    }
    return { cpu: profile, heap, takenAtMs, durationMs: Math.round(performance.now() - started), cancelled, problems };
  } finally {
    // Leave nothing enabled behind, whatever failed above.
    if (cpuOn) await post(session, 'Profiler.stop').catch(() => undefined);
    if (heapOn) await post(session, 'HeapProfiler.stopSampling').catch(() => undefined);
    await post(session, 'HeapProfiler.disable').catch(() => undefined);
    await post(session, 'Profiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
