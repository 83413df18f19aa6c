// A linear-time glob matcher: `*` within one path segment, `**` across segments (`**‍/x` also matches `x`), `?` one
// character of a segment, everything else literal; anchored at both ends. Pure Node, never imports `vscode`.
//
// Why not a RegExp: a glob compiled to a backtracking regex (`'**?'` repeated + `#` → `^(.*[^/])…#$`) takes
// exponential time on an argv element that does not match, and the globs come from a setting. Here the glob is a
// small NFA (one or two states per token) simulated over the subject one character at a time with a de-duplicated set of
// active states: every character visits each state at most once, so a match costs at most
// (subject length + 1) × (tokens + 1) steps, O(n·m), whatever the glob.
//
// Semantics are the ones of the former RegExp compiler, exactly (a property test compares both): characters are UTF-16
// code units; `**` (like the regex `.`) does not cross a line terminator (\n, \r, U+2028, U+2029), `*` and `?` do.

/** Globs longer than this are refused by the pattern schema. */
export const MAX_GLOB_LENGTH = 300;
/** A subject (argv element, path) longer than this never matches: PATH_MAX, and a bound on the cost of one match. */
export const MAX_SUBJECT_LENGTH = 4096;

// Tokens >= 0 are literal UTF-16 code units; the wildcards are negative.
const Tok = {
  /** `*`: any run of characters but `/`. */
  Star: -1,
  /** `**` not followed by `/`: any run of characters (but line terminators). */
  Any: -2,
  /** `**‍/` is two states: DirsOpen (skip the group, or enter it) and DirsIn (any run of characters, left by a `/`). */
  DirsOpen: -3,
  DirsIn: -5,
  /** `?`: one character but `/`. */
  One: -4,
} as const;

const SLASH = 0x2f;
const isLineTerminator = (c: number): boolean => c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;

export interface Glob {
  readonly source: string;
  /** Whether the whole subject matches. */
  test(subject: string): boolean;
  /** The same, with the number of NFA steps taken (for tests: bounded by (subject.length + 1) × (tokens + 1)). */
  run(subject: string): { matched: boolean; steps: number };
  /** Number of tokens (NFA states but the final one). */
  readonly size: number;
}

function tokenize(glob: string): number[] {
  const toks: number[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charCodeAt(i);
    if (c === 0x2a /* * */) {
      if (glob.charCodeAt(i + 1) === 0x2a) {
        i++;
        if (glob.charCodeAt(i + 1) === SLASH) {
          i++;
          toks.push(Tok.DirsOpen, Tok.DirsIn);
        } else toks.push(Tok.Any);
      } else toks.push(Tok.Star);
    } else if (c === 0x3f /* ? */) toks.push(Tok.One);
    else toks.push(c);
  }
  return toks;
}

class NfaGlob implements Glob {
  private readonly toks: Int32Array;
  private readonly mark: Int32Array;
  private cur: Int32Array;
  private next: Int32Array;
  private gen = 0;

  constructor(readonly source: string) {
    this.toks = Int32Array.from(tokenize(source));
    const states = this.toks.length + 1;
    this.mark = new Int32Array(states).fill(-1);
    this.cur = new Int32Array(states);
    this.next = new Int32Array(states);
  }

  get size(): number {
    return this.toks.length;
  }

  test(subject: string): boolean {
    return this.run(subject).matched;
  }

  run(subject: string): { matched: boolean; steps: number } {
    if (subject.length > MAX_SUBJECT_LENGTH) return { matched: false, steps: 0 };
    const toks = this.toks;
    const m = toks.length;
    const mark = this.mark;
    let steps = 0;
    let n = 0;
    let into = this.next;
    const push = (i: number): boolean => {
      if (mark[i] === this.gen) return false;
      mark[i] = this.gen;
      into[n++] = i;
      steps++;
      return true;
    };
    // Adds state i and what it reaches without consuming a character: `*` and `**` may match nothing, and `**‍/`
    // is either skipped or entered.
    const add = (from: number): void => {
      for (let i = from; push(i); i++) {
        const t = toks[i];
        if (i === m || t >= 0 || t === Tok.One || t === Tok.DirsIn) return;
        if (t === Tok.DirsOpen) push(++i);
      }
    };
    this.gen++;
    add(0);
    let count = n;
    [this.cur, this.next] = [this.next, this.cur];
    for (let pos = 0; pos < subject.length && count > 0; pos++) {
      const c = subject.charCodeAt(pos);
      const cur = this.cur;
      into = this.next;
      n = 0;
      this.gen++;
      for (let k = 0; k < count; k++) {
        const i = cur[k];
        if (i === m) continue;
        const t = toks[i];
        if (t >= 0) {
          if (t === c) add(i + 1);
        } else if (t === Tok.One) {
          if (c !== SLASH) add(i + 1);
        } else if (t === Tok.Star) {
          if (c !== SLASH) add(i);
        } else if (t === Tok.Any) {
          if (!isLineTerminator(c)) add(i);
        } else if (t === Tok.DirsIn && !isLineTerminator(c)) {
          push(i); // still inside `.*`, which only a `/` leaves
          if (c === SLASH) add(i + 1);
        }
        // DirsOpen consumes nothing: add() always enters DirsIn with it.
      }
      count = n;
      [this.cur, this.next] = [this.next, this.cur];
    }
    let matched = false;
    for (let k = 0; k < count; k++) if (this.cur[k] === m) matched = true;
    // The generation counter wraps long after any realistic use; reset the marks rather than misread them.
    if (this.gen > 0x3fffffff) {
      this.gen = 0;
      mark.fill(-1);
    }
    return { matched, steps };
  }
}

export function compileGlob(glob: string): Glob {
  return new NfaGlob(glob);
}
