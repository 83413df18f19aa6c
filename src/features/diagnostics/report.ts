// "Export Diagnostics…": one JSON document with what every view shows, the settings, versions, OOM sources and the
// recent audit log — secrets always scrubbed, optionally redacted further (home folder → ~, command-line arguments
// dropped). Plain Node + zod.
import * as fs from 'fs';
import * as path from 'path';
import * as z from 'zod/mini';
import { scrubDeep, scrubSecrets } from '../../probes/redact';
import { TerminalsModel } from '../terminals/model';

const ProcessRow = z.object({
  pid: z.int(),
  name: z.string(),
  status: z.string(),
  ageMs: z.number(),
  rssBytes: z.number(),
  cwd: z.optional(z.string()),
  argv: z.array(z.string()),
});

export const DiagnosticsRecord = z.object({
  version: z.literal(1),
  createdAt: z.string(),
  redacted: z.boolean(),
  versions: z.object({ extension: z.string(), editor: z.string(), appName: z.string(), node: z.string(), platform: z.string() }),
  settings: z.record(z.string(), z.unknown()),
  terminals: z.object({
    available: z.boolean(),
    reason: z.optional(z.string()),
    shells: z.array(ProcessRow),
    unregisteredExtensionHosts: z.array(z.int()),
  }),
  extensions: z.object({
    dir: z.string(),
    error: z.optional(z.string()),
    folders: z.array(z.object({ name: z.string(), cls: z.string(), bytes: z.optional(z.number()), reason: z.string() })),
  }),
  memory: z.object({
    samples: z.array(z.record(z.string(), z.number())),
    oomEvents: z.array(z.object({ atMs: z.number(), source: z.string(), text: z.string() })),
    sources: z.array(z.string()),
    lifecycle: z.array(z.record(z.string(), z.unknown())),
  }),
  auditTail: z.array(z.string()),
});
export type Diagnostics = z.infer<typeof DiagnosticsRecord>;
export type DiagnosticsProcessRow = z.infer<typeof ProcessRow>;

/** The shell rows of the report, as the Terminals view shows them (argv and names redacted later, with the rest). */
export function shellRowsOf(model: TerminalsModel | undefined): DiagnosticsProcessRow[] {
  return (model?.groups ?? []).flatMap((g) =>
    g.shells.map((r) => ({
      pid: r.shell.pid,
      name: r.label,
      status: r.status,
      ageMs: r.ageMs,
      rssBytes: r.totalRssBytes,
      cwd: r.cwd.ok ? r.cwd.path : undefined,
      argv: r.shell.argv,
    })),
  );
}

/** The settings as a report may show them: secrets (csops.metrics.token) only say whether they are set. */
export function settingsForReport(settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out = { ...settings };
  if ('metricsToken' in out) out.metricsToken = out.metricsToken ? '(set, not exported)' : '';
  return out;
}

export interface RedactOptions {
  redact: boolean;
  home: string;
}

/** Replaces the home folder with ~ in any string. */
export function redactPath(text: string, home: string): string {
  if (!home || home === '/') return text;
  return text.split(home).join('~');
}

/** An audit line with its secrets scrubbed: as JSON when it parses (argv arrays redacted), else as text. */
function scrubAuditLine(line: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return scrubSecrets(line);
  }
  const scrubbed = JSON.stringify(scrubDeep(parsed));
  return scrubbed === JSON.stringify(parsed) ? line : scrubbed;
}

/**
 * Secrets (see probes/redact) are scrubbed from every string of the report, redacted or not. The redaction then
 * replaces home paths everywhere and cuts argv to the program name.
 */
export function redactDiagnostics(report: Diagnostics, o: RedactOptions): Diagnostics {
  const d = { ...scrubDeep({ ...report, auditTail: [] }), auditTail: report.auditTail.map(scrubAuditLine) };
  if (!o.redact) return d;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactPath(v, o.home);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(d) as Diagnostics;
  out.redacted = true;
  out.terminals.shells = out.terminals.shells.map((s) => ({ ...s, argv: s.argv.slice(0, 1).map((a) => a.slice(a.lastIndexOf('/') + 1)) }));
  out.auditTail = out.auditTail.map((line) => line.replace(/"argv":\[[^\]]*\]/g, '"argv":["…"]'));
  return out;
}

/** Validates a report (the export refuses to write an invalid one). */
export function validateDiagnostics(d: unknown): { ok: true; value: Diagnostics } | { ok: false; error: string } {
  const r = DiagnosticsRecord.safeParse(d);
  return r.success
    ? { ok: true, value: r.data }
    : { ok: false, error: r.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`).join('; ') };
}

/** The text of the file: redacted as asked (secrets always), validated, pretty JSON. */
export function diagnosticsText(d: Diagnostics, o: RedactOptions): { ok: true; text: string } | { ok: false; error: string } {
  const valid = validateDiagnostics(redactDiagnostics(d, o));
  return valid.ok ? { ok: true, text: JSON.stringify(valid.value, null, 2) } : valid;
}

/**
 * Where the save dialog starts: the home folder, or the temp folder when there is no usable home — never the workspace,
 * where a report would end up committed.
 */
export function defaultExportFolder(home: string, tmp: string, isDir: (p: string) => boolean): string {
  return home && home !== '/' && isDir(home) ? home : tmp;
}

/** The workspace folder that holds file (the report would be in reach of git there), if any. */
export function workspaceFolderOf(file: string, folders: readonly string[]): string | undefined {
  const f = path.resolve(file);
  return folders.find((w) => {
    const rel = path.relative(path.resolve(w), f);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  });
}

/** Writes the report 0600 through a temp file renamed over file (an old report is never half-overwritten). Never throws. */
export async function writeDiagnosticsFile(file: string, text: string): Promise<{ ok: true } | { ok: false; error: string }> {
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    await fs.promises.writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
    await fs.promises.rename(tmp, file);
    return { ok: true };
  } catch (e) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    return { ok: false, error: `${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
}
