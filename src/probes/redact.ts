// Secret scrubbing for every place a command line (or any text that may hold one) becomes text: labels, plan target
// names, the output channel, the audit log and the diagnostics export. Pure; no vscode.
//
// What is replaced by `***` (the flag or variable name stays, so the text remains readable):
// - values of flags and variables named like key/token/secret/password/auth/credential (`--api-key=…`, `--token …`,
//   `API_KEY=…`), and `-p<password>` (mysql style);
// - known token shapes: sk-… (OpenAI, Anthropic), ghp_/gho_/ghu_/ghs_/ghr_/github_pat_…, xox?-… (Slack), AKIA/ASIA…
//   (AWS), `Bearer …` / `Basic …`, JWTs (eyJ….….…);
// - the user-info part of URLs (`https://user:pw@host` → `https://***@host`).
// Over-redaction (a port given as `-p8080`) is accepted: a secret must never survive.

export const REDACTED = '***';

/** A flag or variable name that names a secret. */
const SECRET_NAME = /(?:key|token|secret|passw|pwd|auth|credential|cookie|private)/i;
/** A long or short flag, its name captured: `--api-key`, `-token`. */
const FLAG = /^(--?)([A-Za-z0-9][\w.-]*)$/;
/** `--name=value` / `-name=value`. */
const FLAG_EQ = /^(--?[A-Za-z0-9][\w.-]*)=(.*)$/s;
/** `NAME=value` (an env assignment given to env, sudo, sh -c …). */
const VAR_EQ = /^([A-Za-z_][\w.-]*)=(.*)$/s;
/** A value in free text: quoted or up to the next blank. */
const VALUE = String.raw`(?:"[^"]*"?|'[^']*'?|\S+)`;

const TOKEN_SHAPES: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{8,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{8,}/g,
  /\bxox[a-z]-[A-Za-z0-9-]{6,}/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{12,}/g,
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/g,
];

/** Text forms of the flag/variable rules, for command lines already joined (sh -c "…", npm's process title, logs). */
const TEXT_RULES: readonly [RegExp, string][] = [
  // URL credentials: everything between :// and @ (user and password, or a token used as the user).
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/]*@/gi, `$1${REDACTED}@`],
  // Authorization: Bearer … / Basic …
  [/\b(Bearer|Basic)(\s+)[^\s"']+/gi, `$1$2${REDACTED}`],
  // --api-key=… / --password "…" / -token …
  [new RegExp(String.raw`((?:^|[\s"'])--?[\w.-]*${SECRET_NAME.source}[\w.-]*)(=|\s+)${VALUE}`, 'gi'), `$1$2${REDACTED}`],
  // API_KEY=… / password=…
  [new RegExp(String.raw`((?:^|[\s"';&|(])(?:[A-Za-z_][\w.-]*)?${SECRET_NAME.source}[\w.-]*)=${VALUE}`, 'gi'), `$1=${REDACTED}`],
  // mysql -pHUNTER2
  [/((?:^|[\s"'])-p)\S+/g, `$1${REDACTED}`],
];

/** Replaces every secret this module recognises in free text. Idempotent. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const re of TOKEN_SHAPES) out = out.replace(re, REDACTED);
  for (const [re, to] of TEXT_RULES) out = out.replace(re, to);
  return out;
}

/** argv[0]: the program (first word) keeps its name; only a token shape or URL credentials in it are scrubbed. */
function scrubProgram(a: string): string {
  const m = /^(\S*)(\s[\s\S]*)?$/.exec(a);
  let head = m?.[1] ?? a;
  for (const re of TOKEN_SHAPES) head = head.replace(re, REDACTED);
  head = head.replace(TEXT_RULES[0][0], TEXT_RULES[0][1]);
  return head + (m?.[2] !== undefined ? scrubSecrets(m[2]) : '');
}

/** What to do with the element after a flag: hide it, hide what follows its first colon (curl -u user:pw), keep it. */
type Next = 'hide' | 'password' | 'keep';

/** One argv element after argv[0]; `next` says what the previous element asked for. */
function redactArg(a: string, next: Next): { text: string; next: Next } {
  if (next === 'hide') return { text: REDACTED, next: 'keep' };
  if (next === 'password' && a.includes(':')) return { text: `${a.slice(0, a.indexOf(':'))}:${REDACTED}`, next: 'keep' };
  if (/^-p./s.test(a)) return { text: `-p${REDACTED}`, next: 'keep' };
  const flag = FLAG.exec(a);
  if (flag) {
    if (SECRET_NAME.test(flag[2])) return { text: a, next: 'hide' };
    return { text: a, next: flag[2] === 'u' || flag[2] === 'user' ? 'password' : 'keep' };
  }
  const eq = FLAG_EQ.exec(a) ?? VAR_EQ.exec(a);
  if (eq && SECRET_NAME.test(eq[1])) return { text: `${eq[1]}=${REDACTED}`, next: 'keep' };
  const header = /^([\w-]+):\s*\S/.exec(a);
  if (header && SECRET_NAME.test(header[1])) return { text: `${header[1]}: ${REDACTED}`, next: 'keep' };
  return { text: scrubSecrets(a), next: 'keep' };
}

/**
 * argv with secret values replaced, element by element (a flag's value may be the next element). argv[0] keeps its
 * program name. Same length as argv.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let next: Next = 'keep';
  argv.forEach((a, i) => {
    if (i === 0) {
      out.push(scrubProgram(a));
      return;
    }
    const r = redactArg(a, next);
    next = r.next;
    out.push(r.text);
  });
  return out;
}

/** The redacted command line as one string (argv joined by spaces); '' for an empty argv. */
export function commandLineText(argv: readonly string[]): string {
  return redactArgv(argv).join(' ');
}

/** A JSON-like value with every string scrubbed, and every `argv` array of strings redacted as an argv. */
export function scrubDeep<T>(value: T): T {
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return scrubSecrets(v);
    if (Array.isArray(v)) {
      if (key === 'argv' && v.every((x) => typeof x === 'string')) return redactArgv(v);
      return v.map((x) => walk(x));
    }
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(value) as T;
}
