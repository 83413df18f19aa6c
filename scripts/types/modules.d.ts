// Types for the few untyped (or optional, possibly absent) packages the scripts load. Only what the scripts use.

declare module 'pidusage' {
  interface Stat {
    cpu: number;
    memory: number;
    ppid: number;
    pid: number;
    ctime: number;
    elapsed: number;
    timestamp: number;
  }
  /** One stat per pid, keyed by pid (a pid that vanished has no usable entry). */
  function pidusage(pids: number[]): Promise<Record<string, Stat | undefined>>;
  function pidusage(pid: number): Promise<Stat>;
  export = pidusage;
}

// An optional dependency (not installed offline); scripts/test-electron.js reports its absence.
declare module '@vscode/test-electron' {
  export function runTests(options: {
    extensionDevelopmentPath: string;
    extensionTestsPath: string;
    launchArgs?: string[];
    extensionTestsEnv?: Record<string, string | undefined>;
  }): Promise<number>;
}
