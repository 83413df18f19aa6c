// What the status-bar item shows, pure: its text, level, accessibility label and tooltip, with figures coarse enough
// that an idle host's samples render the same (CPU to whole percent, uptime in 10-minute then hour steps, the trend to 0.1 MB/min),
// and the properties that changed since the last render — each property set sends the whole item to the workbench, so
// an unchanged state sets none. No `vscode`: statusBar.ts turns the parts into the item.
import { formatBytes, formatDuration } from '../../probes/format';
import { MemoryLevel, SelfSample, memoryLevel } from '../../probes/selfMemory';

/** What the memory monitor and the views add to the item (asked once per sample). */
export interface MemoryInfo {
  slopeMbPerMin?: number;
  recentOom?: string;
  loops?: string[];
  ai?: string;
  views?: string[];
}

/** A piece of the tooltip: Markdown as is, or text to escape (statusBar.ts: appendMarkdown / appendText). */
export type TooltipPart = { md: string } | { text: string };

/** "< 1 %" (an idle host), else whole percent of one core. */
export function coarseCpu(percent: number): string {
  if (!Number.isFinite(percent)) return '?';
  return percent < 1 ? '< 1 %' : `${Math.round(percent)} %`;
}

/** Uptime in steps that grow with it: "< 10 min", then 10-minute steps, then hours ("4 h", "1 d 2 h"). */
export function coarseUptime(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const min = 60_000;
  if (ms < 10 * min) return '< 10 min';
  const step = ms < 60 * min ? 10 * min : 60 * min;
  return formatDuration(Math.floor(ms / step) * step);
}

/** "+1.3 MB/min"; within ±0.05 MB/min (noise of a linear fit over an idle host's samples) "flat". */
export function coarseSlope(mbPerMin: number): string {
  if (Math.abs(mbPerMin) < 0.05) return 'flat';
  return `${mbPerMin >= 0 ? '+' : ''}${mbPerMin.toFixed(1)} MB/min`;
}

export interface ItemInput {
  pid: number;
  sample: SelfSample;
  warningMb: number;
  criticalMb: number;
  memory: MemoryInfo;
  /** The extension hosts of the latest scan, when one is available. */
  hosts?: { asOf: string; rows: { pid: number; rssBytes: number }[] };
  profileCommand: string;
}

/** The localized strings (statusBar.ts passes vscode.l10n.t; the messages must stay literals there). */
export interface ItemStrings {
  text(rss: string): string;
  label(rss: string, level: MemoryLevel): string;
  profile: string;
}

export interface ItemState {
  text: string;
  level: MemoryLevel;
  label: string;
  tooltip: TooltipPart[];
}

export function itemState(i: ItemInput, t: ItemStrings): ItemState {
  const rss = formatBytes(i.sample.rssBytes);
  // An OOM kill in the last hour means the box is at its limit, whatever this process uses.
  const level = i.memory.recentOom ? 'critical' : memoryLevel(i.sample.rssBytes, i.warningMb, i.criticalMb);
  return { text: t.text(rss), level, label: t.label(rss, level), tooltip: tooltipParts(i, rss, t.profile) };
}

function tooltipParts(i: ItemInput, rss: string, profile: string): TooltipPart[] {
  const p: TooltipPart[] = [];
  const md = (s: string) => p.push({ md: s });
  md(`**Extension host** (pid ${i.pid})\n\n`);
  md(`RSS: ${rss} · CPU: ${coarseCpu(i.sample.cpuPercent)} · up ${coarseUptime(i.sample.uptimeMs)}\n\n`);
  md(`Warning at ${i.warningMb} MB, critical at ${i.criticalMb} MB\n\n`);
  const { slopeMbPerMin, recentOom, ai, views, loops } = i.memory;
  if (slopeMbPerMin !== undefined) md(`Trend (10 min): ${coarseSlope(slopeMbPerMin)}\n\n`);
  if (recentOom) md(`**OOM in the last hour:** ${recentOom}\n\n`);
  // A restart loop: one line (the first, newest), the Memory view lists them all.
  if (loops?.length) {
    md('**Restart loop:** ');
    p.push({ text: loops.length > 1 ? `${loops[0]} (+${loops.length - 1} more)` : loops[0] });
    md('\n\n');
  }
  if (ai) md(`AI: ${ai}\n\n`);
  // The views' badge counts (as of each view's last refresh).
  for (const line of views ?? []) md(`${line}\n\n`);
  if (i.hosts) {
    const n = i.hosts.rows.length;
    md(`${n} extension host${n === 1 ? '' : 's'} (as of ${i.hosts.asOf}):\n\n`);
    for (const h of i.hosts.rows) md(`- pid ${h.pid}${h.pid === i.pid ? ' (this window)' : ''}: ${formatBytes(h.rssBytes)}\n`);
  } else md('Open the code-server Ops sidebar to list every extension host.');
  md(`\n\n[${profile}](command:${i.profileCommand})`);
  return p;
}

/** The properties of the item to set: those whose value differs from what was last set. */
export class ShownItem {
  private text?: string;
  private level?: MemoryLevel;
  private label?: string;
  private tooltip?: string;

  /** Records `next` as shown; returns what changed (empty: set nothing). */
  changes(next: ItemState): ('text' | 'level' | 'label' | 'tooltip')[] {
    const out: ('text' | 'level' | 'label' | 'tooltip')[] = [];
    const key = JSON.stringify(next.tooltip);
    if (next.text !== this.text) out.push('text');
    if (next.level !== this.level) out.push('level');
    if (next.label !== this.label) out.push('label');
    if (key !== this.tooltip) out.push('tooltip');
    this.text = next.text;
    this.level = next.level;
    this.label = next.label;
    this.tooltip = key;
    return out;
  }
}
