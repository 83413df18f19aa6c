// The Memory webview (sidebar view and editor panel): history chart with thresholds, cgroup limit, OOM and restart
// markers, leak slope, and the same numbers as an accessible summary table. Strict CSP with a nonce; messages from
// the webview are validated with zod; nothing is posted while the view is hidden. The provider VS Code calls
// (./viewProvider.ts) loads this module when the view or the panel is first shown (dist/chunks/memory-webview.js in
// the bundle), not at activation.
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';
import { Commands } from '../../core/ids';
import { MemoryMonitor } from './monitor';
import { formatBytes, formatDuration } from '../../probes/format';
import { Settings } from '../../core/settings';
import { parseWebviewMessage } from './messages';
import { CgroupMemoryRead } from '../../probes/cgroup';
import { CgroupOomStatus } from '../../probes/cgroupOom';
import { LifecycleRecord } from '../../probes/lifecycle';
import { ProfileResult, ProfileView, profileView } from '../profile/model';
import { EndRow, endsData } from './ends';

export interface ViewData {
  /** Columns: t (s), ext host MB, all ext hosts MB, server tree MB, cgroup MB (null = no value). */
  series: (number | null)[][];
  warningMb: number;
  criticalMb: number;
  limitMb?: number;
  markers: { t: number; label: string; kind: 'oom' | 'restart' }[];
  summary: { label: string; value: string }[];
  history: { pid: number; started: string; ended: string; end: string; reason: string }[];
  /** OOM kills seen live, newest first. */
  kills: { time: string; pid: number; comm: string; victim: string; kind: string; detail: string }[];
  /** How tracked trees ended, newest first; `loop` set on the ends of a thing in a restart loop. */
  ends: EndRow[];
  /** Restart loops active now: "MCP github: restarted 4 times in 10 min (last: oom)". */
  loops: string[];
  sources: string[];
  /** Kept Profile Extension Host results, newest first. */
  profiles: ProfileView[];
}

const MB = 1024 * 1024;
const mb = (b: number | undefined): number | null => (b === undefined ? null : Math.round((b / MB) * 10) / 10);

const bytesOr = (b: number | undefined, otherwise: string): string => (b === undefined ? otherwise : formatBytes(b));

/** The summary's container line: "1.2 GB of 4 GB (cgroup v2)", or why it is not available. */
function cgroupText(cg: CgroupMemoryRead | undefined): string {
  if (!cg) return 'not available';
  if (!cg.ok) return `not available: ${cg.error}`;
  return `${bytesOr(cg.value.currentBytes, '?')} of ${bytesOr(cg.value.limitBytes, 'no limit')} (cgroup v${cg.value.version})`;
}

/** The sources list's cgroup line: files read and the problems met. */
function cgroupSourcesText(cg: CgroupMemoryRead | undefined): string {
  if (!cg?.ok) return 'cgroup: not available';
  const { version, sources, problems } = cg.value;
  const problemText = problems.length ? `, ${problems.map((p) => `${p.file}: ${p.reason}`).join('; ')}` : '';
  return `cgroup v${version}: ${sources.length} files read${problemText}`;
}

/** The sources list's line for the OOM counters of the cgroup subtree: how many are watched, what is left out. */
export function cgroupOomSourcesText(st: CgroupOomStatus | undefined): string {
  if (!st) return 'cgroup OOM counters: not watched (no cgroup found)';
  const files = st.version === 2 ? 'memory.events + memory.events.local' : 'memory.oom_control';
  const parts = [`cgroup OOM counters (${files}): ${st.watched} cgroup(s) at and below ${st.ownDir}, ${st.kills} kill(s) counted`];
  if (st.notIncluded.length) parts.push(`not included: ${st.notIncluded.join('; ')}`);
  if (st.problems.length) parts.push(st.problems.map((p) => `${p.file}: ${p.reason}`).join('; '));
  return parts.join(' · ');
}

/** When an extension host of the history ended: its time, 'ended' without one, or 'running'. */
function endedText(r: LifecycleRecord): string {
  if (r.endedAtMs) return new Date(r.endedAtMs).toLocaleString();
  return r.end ? 'ended' : 'running';
}

const TRIGGER_TEXT = { memcg: 'cgroup limit', global: 'machine out of memory' } as const;

export function buildViewData(monitor: MemoryMonitor, settings: Settings, profiles: readonly ProfileResult[] = []): ViewData {
  const samples = monitor.history.samples();
  const series: (number | null)[][] = [[], [], [], [], []];
  for (const s of samples) {
    series[0].push(Math.round(s.t / 1000));
    series[1].push(mb(s.extHostRss));
    series[2].push(mb(s.allExtHostsRss));
    series[3].push(mb(s.serverTreeRss));
    series[4].push(mb(s.cgroupCurrent));
  }
  const last = samples[samples.length - 1];
  const { slopeMbPerMin, minutesToLimit } = monitor.trend();
  const cg = monitor.cgroup;
  const summary: { label: string; value: string }[] = [
    { label: 'Extension host RSS', value: last ? formatBytes(last.extHostRss) : 'no sample yet' },
    {
      label: 'JavaScript heap',
      value: last?.heapUsed !== undefined && last.heapLimit ? `${formatBytes(last.heapUsed)} of ${formatBytes(last.heapLimit)}` : 'unknown',
    },
    {
      label: 'Trend (last 10 min)',
      value: slopeMbPerMin === undefined ? 'not enough samples yet' : `${slopeMbPerMin >= 0 ? '+' : ''}${slopeMbPerMin.toFixed(2)} MB/min`,
    },
    {
      label: 'Container (cgroup)',
      value: cgroupText(cg),
    },
  ];
  if (minutesToLimit !== undefined)
    summary.push({ label: 'Limit reached in', value: `about ${formatDuration(minutesToLimit * 60_000)} at this pace` });
  if (last?.allExtHostsRss !== undefined) summary.push({ label: 'All extension hosts', value: formatBytes(last.allExtHostsRss) });
  if (last?.serverTreeRss !== undefined) summary.push({ label: 'Whole code-server tree', value: formatBytes(last.serverTreeRss) });
  if (last?.hostAvailable !== undefined) summary.push({ label: 'Host memory available', value: formatBytes(last.hostAvailable) });
  const oom = monitor.oomMarkers.length;
  summary.push({ label: 'OOM events', value: oom ? `${oom} (latest: ${monitor.oomMarkers[oom - 1].text})` : 'none seen' });

  const markers: ViewData['markers'] = monitor.oomMarkers.map((m) => ({ t: Math.round(m.atMs / 1000), label: m.text, kind: 'oom' }));
  for (const r of monitor.lifecycle)
    markers.push({ t: Math.round(r.startedAtMs / 1000), label: `extension host ${r.pid} started`, kind: 'restart' });
  const explained = new Map(monitor.previousEnds.map((e) => [`${e.record.pid}-${e.record.starttime}`, e.explanation.reason]));
  const history = [...monitor.lifecycle].reverse().map((r) => ({
    pid: r.pid,
    started: new Date(r.startedAtMs).toLocaleString(),
    ended: endedText(r),
    end: r.end ?? (r.cleanEnd ? 'clean' : 'running'),
    reason: explained.get(`${r.pid}-${r.starttime}`) ?? '',
  }));
  const kills = [...monitor.oomKills].reverse().map((k) => ({
    time: new Date(k.atMs).toLocaleString(),
    pid: k.pid,
    comm: k.comm,
    victim: k.victim.label,
    kind: k.victim.kind,
    detail: [
      k.trigger && TRIGGER_TEXT[k.trigger],
      k.cgroup !== undefined ? `cgroup ${k.cgroup}` : undefined,
      k.rssKb !== undefined ? `RSS ${formatBytes(k.rssKb * 1024)}` : undefined,
      `seen in ${k.sources.join(', ')}`,
    ]
      .filter(Boolean)
      .join(' · '),
  }));
  const { ends, loops } = endsData(monitor.ends, Date.now());
  const kmsg = monitor.kmsg;
  const sources = [
    kmsg
      ? `/dev/kmsg: ${kmsg.following ? `following, ${kmsg.events} OOM line(s) seen` : `not followed (${kmsg.reason ?? 'unknown'})`}`
      : '/dev/kmsg: not started',
    cgroupSourcesText(cg),
    cgroupOomSourcesText(monitor.cgroupOom?.status()),
    ...(monitor.kernel?.sources ?? []).map(
      (s) => `${s.name}: ${s.available ? `read, ${s.events} OOM event(s)` : `not available (${s.reason ?? 'unknown'})`}`,
    ),
  ];
  if (!monitor.kernel) sources.push('kernel log: not read yet (Check Kernel Log)');
  return {
    series,
    warningMb: settings.warningMb,
    criticalMb: settings.criticalMb,
    limitMb: mb(last?.cgroupLimit) ?? undefined,
    markers,
    summary,
    history,
    kills,
    ends,
    loops,
    sources,
    profiles: profiles.map((p) => profileView(p, (ms) => new Date(ms).toLocaleString())),
  };
}

export function memoryHtml(webview: vscode.Webview, extensionUri: vscode.Uri, withOpenPanel: boolean): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', ...p)).toString();
  const csp = `default-src 'none'; img-src ${webview.cspSource} data:; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';`;
  const profileHead = '<thead><tr><th>extension</th><th>CPU ms</th><th>CPU %</th><th>live MB</th><th>top functions</th></tr></thead>';
  const endsHead = '<thead><tr><th>time</th><th>pid</th><th>what</th><th>end</th><th>uptime</th><th>last RSS</th></tr></thead>';
  const historyHead = '<thead><tr><th>pid</th><th>started</th><th>ended</th><th>end</th></tr></thead>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('vendor', 'uPlot.min.css')}">
<link rel="stylesheet" href="${asset('memory.css')}">
<title>Memory</title>
</head>
<body>
<div class="toolbar">
  <button id="restart" type="button"
    title="Restart the extension host of this window (a preview follows)">Restart Extension Host…</button>
  <button id="kernel" type="button" class="secondary" title="Read OOM events from journalctl / dmesg">Check Kernel Log</button>
  ${withOpenPanel ? '<button id="panel" type="button" class="secondary" title="Open the chart in an editor">Open Chart</button>' : ''}
</div>
<div id="chart" role="img" aria-label="Memory history chart; the numbers are in the table below"></div>
<table id="summary" aria-label="Memory summary"><tbody></tbody></table>
<h3>OOM kills</h3>
<p id="kills-empty">None seen since this window started.</p>
<table id="kills" aria-label="OOM kills"><thead><tr><th>time</th><th>pid</th><th>victim</th></tr></thead><tbody></tbody></table>
<h3>Recent ends</h3>
<div id="loops" role="status" aria-live="polite"></div>
<p id="ends-empty">No tracked process tree (AI tree, terminal job, extension host, pty host) has ended yet.</p>
<table id="ends" aria-label="Recent ends of tracked process trees">${endsHead}<tbody></tbody></table>
<h3>Extension host history</h3>
<table id="history" aria-label="Extension host history">${historyHead}<tbody></tbody></table>
<details><summary>Sources</summary><ul id="sources"></ul></details>
<h3>Extension host profile</h3>
<div class="toolbar">
  <button id="profile" type="button" class="secondary" title="CPU and live allocations of this extension host, per extension">
    Profile Extension Host…</button>
  <select id="profile-pick" aria-label="Kept profiles"></select>
</div>
<p id="profile-note">No profile yet.</p>
<table id="profile-table" aria-label="Extension host profile by extension">${profileHead}<tbody></tbody></table>
<script nonce="${nonce}" src="${asset('vendor', 'uPlot.iife.min.js')}"></script>
<script nonce="${nonce}" src="${asset('memory.js')}"></script>
</body>
</html>`;
}

/** Shared by the sidebar view and the panel: renders, posts data while visible, handles messages. */
export class MemoryWebview {
  constructor(
    private readonly webview: vscode.Webview,
    private readonly deps: MemoryViewDeps,
    withOpenPanel: boolean,
  ) {
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'media')] };
    webview.html = memoryHtml(webview, deps.extensionUri, withOpenPanel);
  }

  post(): void {
    const data = buildViewData(this.deps.monitor, this.deps.settings(), this.deps.profiles?.() ?? []);
    void this.webview.postMessage({ type: 'data', data });
  }

  onMessage(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.deps.log.warn(`memory view: ignored an invalid message from the webview: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.post();
        break;
      case 'restart':
        void vscode.commands.executeCommand(Commands.restartExtensionHost);
        break;
      case 'openPanel':
        void vscode.commands.executeCommand(Commands.openMemoryChart);
        break;
      case 'checkKernelLog':
        void this.deps.checkKernelLog().then(() => this.post());
        break;
      case 'profile':
        void vscode.commands.executeCommand(Commands.profileExtensionHost);
        break;
    }
  }
}

export interface MemoryViewDeps {
  extensionUri: vscode.Uri;
  monitor: MemoryMonitor;
  settings(): Settings;
  log: vscode.LogOutputChannel;
  checkKernelLog(): Promise<void>;
  /** Kept profiles (set by the profile feature through attachProfiles). */
  profiles?: () => readonly ProfileResult[];
}
