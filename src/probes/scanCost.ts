// Measures what a scan costs the extension host: its duration and the worst event-loop delay while it ran.
import { monitorEventLoopDelay } from 'perf_hooks';
import { Snapshot } from './scanner';

export async function measuredScan(scan: () => Promise<Snapshot>): Promise<{ snapshot: Snapshot; loopDelayMaxMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  try {
    const snapshot = await scan();
    return { snapshot, loopDelayMaxMs: h.max / 1e6 };
  } finally {
    h.disable();
  }
}
