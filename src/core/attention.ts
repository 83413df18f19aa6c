// Whether someone looks at this window: focused AND active. The workbench marks a focused window inactive after about a
// minute without keyboard or mouse input (and active again at the next input), so a window left open on a screen
// nobody uses counts as not looked at, like an unfocused one. What polls while nobody looks (the status bar, the memory
// sampler, the window heartbeat) slows down then. Created once in core; no `vscode` import here: the window is a
// parameter (vscode.window in core, a fake in tests).

/** Whether someone looks at the window, and its changes (tests pass their own). */
export interface WindowAttention {
  readonly looking: boolean;
  /** Called when `looking` changes (not on every window-state event). */
  onDidChange(listener: (looking: boolean) => void): { dispose(): void };
}

/**
 * vscode.WindowState: `active` is in the finalized API (code-server 4.139.1's extension host sends it) but not in
 * @types/vscode 1.74: read defensively, a host without it counts as active.
 */
export interface WindowStateLike {
  readonly focused: boolean;
  readonly active?: boolean;
}

/** The part of vscode.window this needs. */
export interface WindowLike {
  readonly state: WindowStateLike;
  onDidChangeWindowState(listener: (state: WindowStateLike) => unknown): { dispose(): unknown };
}

/** Looking = focused and active (`active` missing: active). */
export function lookingOf(state: WindowStateLike): boolean {
  return state.focused && ((state as { active?: boolean }).active ?? true);
}

/** A window's attention from its state and state events; dispose() ends its subscription. */
export class WindowStateAttention implements WindowAttention {
  private lookingNow: boolean;
  private readonly listeners = new Set<(looking: boolean) => void>();
  private readonly sub: { dispose(): unknown };

  constructor(window: WindowLike) {
    this.lookingNow = lookingOf(window.state);
    this.sub = window.onDidChangeWindowState((s) => this.set(lookingOf(s)));
  }

  get looking(): boolean {
    return this.lookingNow;
  }

  onDidChange(listener: (looking: boolean) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  private set(looking: boolean): void {
    if (looking === this.lookingNow) return;
    this.lookingNow = looking;
    for (const l of [...this.listeners]) l(looking);
  }

  dispose(): void {
    this.listeners.clear();
    void this.sub.dispose();
  }
}
