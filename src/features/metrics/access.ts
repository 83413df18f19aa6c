// Where the metrics server listens and which token it requires: csops.metrics.host, csops.metrics.tokenFile and
// csops.metrics.token resolved into one decision, or a refusal with a clear reason. Plain Node (no `vscode`).
//
// Loopback (127.x.x.x, ::1, localhost): the token is the tokenFile's content if a tokenFile is set, else
// csops.metrics.token (may be empty: then only loopback Host headers are answered).
// Any other address (0.0.0.0, ::, a LAN address): a bearer token read from csops.metrics.tokenFile is REQUIRED; the
// file must be a regular file, readable, non-empty, and not readable or writable by group or others (chmod 600).
import * as fs from 'fs';
import * as net from 'net';

export interface MetricsAccess {
  /** The address to bind. */
  host: string;
  /** The bearer token every request must send; '' = none (loopback Host headers only). A secret: never log it. */
  token: string;
  /** Where the token came from, for the log line. */
  tokenSource: 'none' | 'setting' | 'file';
}

export type AccessDecision = { ok: true; access: MetricsAccess } | { ok: false; reason: string };

/** Whether a bind address is the loopback interface (an IPv4 127.x address, ::1 or localhost). */
export function isLoopbackAddress(host: string): boolean {
  const h = host.trim().toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return net.isIPv4(h) && h.startsWith('127.');
}

/** The token in a token file, or why it cannot be used. Synchronous: one stat and one small read. */
export function readTokenFile(file: string): { ok: true; token: string } | { ok: false; reason: string } {
  if (!file.startsWith('/')) return { ok: false, reason: `csops.metrics.tokenFile must be an absolute path (got "${file}")` };
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    return { ok: false, reason: `cannot read csops.metrics.tokenFile ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  if (!st.isFile()) return { ok: false, reason: `csops.metrics.tokenFile ${file} is not a regular file` };
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
    return {
      ok: false,
      reason: `csops.metrics.tokenFile ${file} is accessible by group or others (mode ${mode}); run chmod 600 on it`,
    };
  }
  if (st.size > 64 * 1024) return { ok: false, reason: `csops.metrics.tokenFile ${file} is larger than 64 KiB; it should hold one token` };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, reason: `cannot read csops.metrics.tokenFile ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  const token = text.trim();
  if (!token) return { ok: false, reason: `csops.metrics.tokenFile ${file} is empty` };
  if (/[\r\n]/.test(token))
    return { ok: false, reason: `csops.metrics.tokenFile ${file} holds more than one line; it should hold one token` };
  return { ok: true, token };
}

/** Where to listen and with which token, from the three settings; a refusal says exactly what to fix. */
export function resolveMetricsAccess(s: { metricsHost: string; metricsTokenFile: string; metricsToken: string }): AccessDecision {
  const host = s.metricsHost.trim() || '127.0.0.1';
  if (host !== 'localhost' && net.isIP(host) === 0) {
    return { ok: false, reason: `csops.metrics.host must be an IP address or localhost (got "${host}")` };
  }
  const file = s.metricsTokenFile.trim();
  if (isLoopbackAddress(host)) {
    if (!file) return { ok: true, access: { host, token: s.metricsToken, tokenSource: s.metricsToken ? 'setting' : 'none' } };
    const t = readTokenFile(file);
    return t.ok ? { ok: true, access: { host, token: t.token, tokenSource: 'file' } } : { ok: false, reason: t.reason };
  }
  if (!file) {
    return {
      ok: false,
      reason:
        `csops.metrics.host ${host} is not a loopback address: ` +
        'set csops.metrics.tokenFile to a file holding a bearer token (chmod 600)',
    };
  }
  const t = readTokenFile(file);
  if (!t.ok) return { ok: false, reason: `csops.metrics.host ${host} is not a loopback address and ${t.reason}` };
  return { ok: true, access: { host, token: t.token, tokenSource: 'file' } };
}
