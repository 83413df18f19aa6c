// The views' badges (TreeView.badge, summed on the activity bar) and the status-bar tooltip lines, with the same
// counts (./counts). A badge says what its number counts and when it was counted: views refresh only while visible.
import * as vscode from 'vscode';
import { formatBytes } from '../../probes/format';
import { AiCount, ExtensionsCount, TerminalsCount } from './counts';

const at = (ms: number): string => new Date(ms).toLocaleTimeString();

export function terminalsLine(c: TerminalsCount): string {
  return c.detached === 1
    ? vscode.l10n.t('Terminals: 1 detached shell (no window claims it)')
    : vscode.l10n.t('Terminals: {0} detached shells (no window claims them)', c.detached);
}

export function aiLine(c: AiCount): string {
  let line = vscode.l10n.t('AI: {0} leaked and {1} duplicate process trees', c.leaked, c.duplicate);
  if (c.leakedHelpers) line += vscode.l10n.t(', {0} leaked helpers', c.leakedHelpers);
  return c.idle ? `${line}${vscode.l10n.t(', {0} idle sessions', c.idle)}` : line;
}

export function extensionsLine(c: ExtensionsCount): string {
  const bytes = c.sizing ? vscode.l10n.t('at least {0}, sizing', formatBytes(c.bytes)) : formatBytes(c.bytes);
  return c.folders === 1
    ? vscode.l10n.t('Extensions: 1 reclaimable folder ({0})', bytes)
    : vscode.l10n.t('Extensions: {0} reclaimable folders ({1})', c.folders, bytes);
}

function badge(value: number, line: string, asOfMs: number): vscode.ViewBadge | undefined {
  if (value <= 0) return undefined;
  return { value, tooltip: vscode.l10n.t('{0}, as of {1}', line, at(asOfMs)) };
}

export const terminalsBadge = (c: TerminalsCount): vscode.ViewBadge | undefined => badge(c.detached, terminalsLine(c), c.asOfMs);
export const aiBadge = (c: AiCount): vscode.ViewBadge | undefined => badge(c.total, aiLine(c), c.asOfMs);
export const extensionsBadge = (c: ExtensionsCount): vscode.ViewBadge | undefined => badge(c.folders, extensionsLine(c), c.asOfMs);
