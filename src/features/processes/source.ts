// The Processes model, built once per scan (reusing ScanService.fresh, so a refresh costs no extra scan): CPU % against
// the previous scan this source saw, sockets read with yields (event loop ≤ 5 ms), the window registry's heartbeats.
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import { Core } from '../../core';
import { Scan } from '../../core/scan';
import { ModelSource } from '../../core/source';
import { SocketsResult, TcpSocket, readTcpSockets, socketsByPid } from '../../probes/ai/ports';
import { procFdReader } from '../../probes/ai/sessions';
import { realpathOf } from '../../probes/extensionsDir';
import { descendantsOf, readCwd } from '../../probes/scanner';
import { AiSource } from '../ai/source';
import { aiName } from '../ai/model';
import { CpuBaseline, KnownExtension, ProcessesModel, buildProcessesModel, cpuBaselineOf, cpuPercents, windowKey } from './model';

export type ProcessesState = { ok: true; model: ProcessesModel; scan: Scan; sockets: SocketsResult } | { ok: false; reason: string };

const SLICE_MS = 2;

/** Reads the fds of `pids` in slices of ≤ 2 ms, yielding in between. */
async function readSocketsYielding(procRoot: string, pids: readonly number[], sockets: TcpSocket[]): Promise<SocketsResult> {
  const out: SocketsResult = { byPid: new Map(), established: new Map(), problems: [] };
  const readFds = procFdReader(procRoot);
  let i = 0;
  while (i < pids.length) {
    const start = performance.now();
    while (i < pids.length && performance.now() - start < SLICE_MS) {
      const r = socketsByPid(sockets, [pids[i++]], readFds);
      for (const [k, v] of r.byPid) out.byPid.set(k, v);
      for (const [k, v] of r.established) out.established.set(k, v);
      out.problems.push(...r.problems);
    }
    if (i < pids.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

/** Every pid in the code-server trees of a scan (the outermost servers and their descendants). */
function serverTreePids(scan: Scan): number[] {
  const { snapshot, topology } = scan;
  const out = new Set<number>();
  for (const s of topology.servers) {
    if (out.has(s.pid)) continue;
    out.add(s.pid);
    for (const d of descendantsOf(snapshot, s.pid)) out.add(d.pid);
  }
  return [...out];
}

export class ProcessesSource extends ModelSource<ProcessesState> {
  private baseline?: CpuBaseline;
  private cpuFor?: { scan: Scan['snapshot']; cpu: Map<number, number> };
  private known?: KnownExtension[];
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly core: Core,
    private readonly ai: AiSource,
  ) {
    super();
    this.sub = vscode.extensions.onDidChange(() => (this.known = undefined));
  }

  /** A model of a scan no older than maxAgeMs (0: a new scan); published to the view. */
  async state(maxAgeMs = 0): Promise<ProcessesState> {
    // While Profile Extension Host runs, our own work would pollute its numbers: keep the last model.
    if (this.core.scans.held && this.latest) return this.latest;
    const started = performance.now();
    const scan = await this.core.scans.fresh(maxAgeMs);
    const paused = (): boolean => this.core.scans.held && this.latest !== undefined; // a profile started meanwhile
    if (paused()) return this.latest!;
    const { snapshot, topology } = scan;
    if (snapshot.unavailable) return this.publish({ ok: false, reason: snapshot.unavailable });
    if (this.cpuFor?.scan !== snapshot) {
      this.cpuFor = { scan: snapshot, cpu: cpuPercents(this.baseline, snapshot) };
      if (!this.baseline || snapshot.takenAtMs > this.baseline.takenAtMs) this.baseline = cpuBaselineOf(snapshot);
    }
    const selfUid = this.core.selfUid;
    // Sockets of the code-server trees only (under root "this user" is every process on the machine).
    const pids = serverTreePids(scan).filter((pid) => snapshot.processes.get(pid)?.uid === selfUid);
    const net = readTcpSockets(snapshot.procRoot);
    const sockets = await readSocketsYielding(snapshot.procRoot, pids, net.sockets);
    if (paused()) return this.latest!;
    const windows = new Map<string, { updatedAtMs: number; heartbeatMs?: number; folder?: string }>();
    for (const e of await this.core.presence.liveWindows(snapshot))
      windows.set(windowKey(e.pid, e.starttime), { updatedAtMs: e.updatedAtMs, heartbeatMs: e.heartbeatMs, folder: e.folder });
    const aiModel = this.ai.modelOf(scan);
    const model = buildProcessesModel({
      snapshot,
      topology,
      selfPid: process.pid,
      selfUid,
      nowMs: Date.now(),
      cpu: this.cpuFor.cpu,
      ports: sockets.byPid,
      established: sockets.established,
      windows,
      known: this.knownExtensions(),
      cwdOf: (pid) => {
        const cwd = readCwd(pid, snapshot.procRoot);
        return cwd.ok ? cwd.path : undefined;
      },
      aiNameOf: (pid) => {
        const row = aiModel.byRoot.get(pid);
        return row ? aiName(row) : undefined;
      },
    });
    for (const p of [...net.problems, ...sockets.problems].slice(0, 5)) this.core.log.debug(`processes: sockets: ${JSON.stringify(p)}`);
    const ms = performance.now() - started - snapshot.durationMs;
    this.core.log.debug(`processes: model of ${pids.length} code-server processes in ${ms.toFixed(1)} ms (besides the scan)`);
    return this.publish({ ok: true, model, scan, sockets });
  }

  /** This window's extensions with their real paths (a symlinked folder counts as the extension's). */
  private knownExtensions(): KnownExtension[] {
    this.known ??= vscode.extensions.all.map((e) => {
      const real = realpathOf(e.extensionPath);
      return { id: e.id, paths: real && real !== e.extensionPath ? [e.extensionPath, real] : [e.extensionPath] };
    });
    return this.known;
  }

  dispose(): void {
    this.sub.dispose();
    super.dispose();
  }
}
