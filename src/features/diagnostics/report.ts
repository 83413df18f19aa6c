// "Export Diagnostics…": one JSON document with what every view shows, the settings, versions, OOM sources and the
// recent audit log — optionally redacted (home folder → ~, command-line arguments dropped). Plain Node + zod.
import * as z from 'zod/mini';

const ProcessRow = z.object({ pid: z.int(), name: z.string(), status: z.string(), ageMs: z.number(), rssBytes: z.number(), cwd: z.optional(z.string()), argv: z.array(z.string()) });

export const DiagnosticsRecord = z.object({
  version: z.literal(1),
  createdAt: z.string(),
  redacted: z.boolean(),
  versions: z.object({ extension: z.string(), editor: z.string(), appName: z.string(), node: z.string(), platform: z.string() }),
  settings: z.record(z.string(), z.unknown()),
  terminals: z.object({ available: z.boolean(), reason: z.optional(z.string()), shells: z.array(ProcessRow), unregisteredExtensionHosts: z.array(z.int()) }),
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

/** Applies the redaction to a finished report: home paths everywhere, argv cut to the program name. */
export function redactDiagnostics(d: Diagnostics, o: RedactOptions): Diagnostics {
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
  return r.success ? { ok: true, value: r.data } : { ok: false, error: r.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`).join('; ') };
}
