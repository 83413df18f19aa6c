// How long this extension took to load and activate in this extension host, logged once per activation ("activation:
// …" in the code-server Ops output channel; `npm run bench` reads it from real window loads). Wall time and, where
// Node has process.threadCpuUsage (22+), CPU time of the extension host's main thread, for:
//  • bundle evaluation: the top-level code of dist/extension.js, first line to last (a banner and a footer that
//    scripts/bundle.js adds);
//  • activate(): createCore to the first microtask after activate() returns (it is synchronous).
// The wait between the two is VS Code's (it prepares the ExtensionContext) and other extensions', not ours: logged apart.
// With CSOPS_MEASURE_PARSE=1 in the environment (the bench only), the bundle is also compiled once more, 2 s later, as a
// fresh script, to report its read + parse time.
import * as fs from 'fs';
import * as vm from 'vm';

type Mark = [number, NodeJS.CpuUsage | undefined];

const threadCpu = (): NodeJS.CpuUsage | undefined => (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.call(process);

function mark(name: string): Mark | undefined {
  const g = globalThis as Record<string, unknown>;
  const v = g[name];
  delete g[name];
  return Array.isArray(v) && typeof v[0] === 'number' ? (v as Mark) : undefined;
}

/** "12.34 ms (CPU 5.67 ms)" between two marks. */
function span(a: Mark, b: Mark): string {
  const cpu = a[1] && b[1] ? ` (CPU ${((b[1].user + b[1].system - a[1].user - a[1].system) / 1000).toFixed(2)} ms)` : '';
  return `${(b[0] - a[0]).toFixed(2)} ms${cpu}`;
}

/** Starts the clock at createCore; `log` gets one line once activate() has returned. */
export function timeActivation(bundlePath: string, log: (line: string) => void): void {
  const start: Mark = [performance.now(), threadCpu()];
  const bundleStart = mark('__csopsBundleStart');
  const bundleEnd = mark('__csopsBundleEnd');
  queueMicrotask(() => {
    const end: Mark = [performance.now(), threadCpu()];
    const evaluation = bundleStart && bundleEnd ? span(bundleStart, bundleEnd) : 'n/a';
    const waited = bundleEnd ? `${(start[0] - bundleEnd[0]).toFixed(2)} ms` : 'n/a';
    const heap = process.memoryUsage().heapUsed;
    log(
      `activation: activate() ${span(start, end)}, bundle evaluation ${evaluation}; VS Code between them ${waited}; ` +
        `host heap used ${(heap / 1048576).toFixed(1)} MB`,
    );
    if (process.env.CSOPS_MEASURE_PARSE !== '1' || !fs.existsSync(bundlePath)) return;
    setTimeout(() => {
      const a: Mark = [performance.now(), threadCpu()];
      // A unique tail makes V8's in-isolate compilation cache miss: this is a cold compile of the same bytes.
      new vm.Script(`${fs.readFileSync(bundlePath, 'utf8')}\n// ${Date.now()}`, { filename: `${bundlePath}.parse-check` });
      log(`activation: bundle read + parse ${span(a, [performance.now(), threadCpu()])} (${fs.statSync(bundlePath).size} bytes)`);
    }, 2000).unref?.();
  });
}
