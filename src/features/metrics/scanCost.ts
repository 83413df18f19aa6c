// Scan cost: every scan's duration (as histogram buckets) and the worst event-loop delay seen during it. Pure and free
// of prom-client, so the core can count scans from activation on without loading the metrics library; `metric()` hands
// prom-client's Registry the same histogram when (and only when) metrics are served.

const NAME = 'csops_scan_duration_seconds';
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The shape prom-client's Registry reads from a metric (`name`, `help`, `type`, `get()`). */
export interface RegistryMetric {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: { metricName: string; labels: Record<string, string | number>; value: number }[];
  }>;
}

export class ScanCost {
  /** Scans per bucket (not cumulative), BUCKETS then +Inf. */
  private readonly counts = new Array<number>(BUCKETS.length + 1).fill(0);
  private sumSeconds = 0;
  private count = 0;
  maxLoopDelayMs = 0;

  observe(durationMs: number, loopDelayMaxMs: number): void {
    const s = durationMs / 1000;
    const i = BUCKETS.findIndex((b) => s <= b);
    this.counts[i < 0 ? BUCKETS.length : i]++;
    this.sumSeconds += s;
    this.count++;
    this.maxLoopDelayMs = Math.max(this.maxLoopDelayMs, loopDelayMaxMs);
  }

  /** The scan-duration histogram as a metric for prom-client's Registry (the same lines its Histogram writes). */
  metric(): RegistryMetric {
    const help = 'Duration of /proc scans made by code-server Ops.';
    const get: RegistryMetric['get'] = () => {
      let cumulative = 0;
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = BUCKETS.map((le, i) => ({
        metricName: `${NAME}_bucket`,
        labels: { le },
        value: (cumulative += this.counts[i]),
      }));
      values.push({ metricName: `${NAME}_bucket`, labels: { le: '+Inf' }, value: this.count });
      values.push({ metricName: `${NAME}_sum`, labels: {}, value: this.sumSeconds });
      values.push({ metricName: `${NAME}_count`, labels: {}, value: this.count });
      return Promise.resolve({ name: NAME, help, type: 'histogram', aggregator: 'sum', values });
    };
    return { name: NAME, help, type: 'histogram', aggregator: 'sum', get };
  }
}
