// Human formatting shared by views, dialogs and messages. Pure.
import { redactArgv } from './redact';

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes === 0) return '0 B';
  const mb = bytes / (1024 * 1024);
  if (Math.round(mb) >= 1024) return `${(mb / 1024).toFixed(mb >= 10 * 1024 ? 0 : 1)} GB`;
  if (Math.round(mb) >= 1) return `${Math.round(mb)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** "4 h 10 min", "12 min", "45 s", "3 d 2 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

/** Replaces the home prefix with ~. */
export function shortenHome(p: string, home: string): string {
  if (home && home !== '/' && (p === home || p.startsWith(home + '/'))) return '~' + p.slice(home.length);
  return p;
}

/** One-line, bounded rendering of an argv for labels (secrets redacted, NULs/newlines made visible, long args cut). */
export function commandLabel(raw: readonly string[], fallback: string, max = 60): string {
  if (raw.length === 0) return `[${fallback}]`;
  const argv = redactArgv(raw);
  const first = argv[0].slice(argv[0].lastIndexOf('/') + 1).replace(/^-/, '');
  const text = [first, ...argv.slice(1)]
    .join(' ')
    .replace(/[\r\n\t\0]/g, '⏎')
    .trim();
  return text.length > max ? text.slice(0, max - 1) + '…' : text || `[${fallback}]`;
}

/** Full argv for tooltips and dialogs: secrets redacted, quoted where needed, control characters escaped. */
export function fullCommand(argv: readonly string[]): string {
  return redactArgv(argv)
    .map((a) => {
      const visible = a.replace(/[\0-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
      return /[\s'"]/.test(a) || a === '' ? `"${visible.replace(/"/g, '\\"')}"` : visible;
    })
    .join(' ');
}
