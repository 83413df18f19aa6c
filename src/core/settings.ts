// Every setting of the extension, read through one typed module with the defaults in one place (./settingsRead.ts, vscode-free).
import * as vscode from 'vscode';
import { Settings, sectionSource, settingsFrom } from './settingsRead';

export { DEFAULTS, Settings, USER_ONLY_SETTINGS } from './settingsRead';

export const SECTION = 'csops';

/** The settings; `warn` receives what was ignored or adjusted (a workspace value of a user-only setting, …). */
export function readSettings(warn?: (message: string) => void): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  // One inspect() of the section (see sectionSource). Its globalValue is the user level's csops object; no csops
  // setting has `application` scope, which VS Code would report apart from it.
  const source = sectionSource(
    (key) => c.get(key),
    () => vscode.workspace.getConfiguration().inspect(SECTION),
  );
  return settingsFrom(source, warn);
}

/** Fires with the new settings whenever anything under `csops.` changes. */
export function onDidChangeSettings(listener: (s: Settings) => void, warn?: (message: string) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) listener(readSettings(warn));
  });
}
