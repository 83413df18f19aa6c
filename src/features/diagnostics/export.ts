// The "Export Diagnostics…" command: gathers the views' current state, asks about redaction and where to save (the
// dialog starts in the home folder, and a target inside a workspace folder, where it may get committed, is confirmed).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { MemoryMonitor } from '../memory/monitor';
import { ExtensionsDirReport } from '../../probes/extensionsDir';
import { TerminalsModel } from '../terminals/model';
import { Settings } from '../../core/settings';
import {
  Diagnostics,
  defaultExportFolder,
  diagnosticsText,
  settingsForReport,
  shellRowsOf,
  workspaceFolderOf,
  writeDiagnosticsFile,
} from './report';

export interface ExportInputs {
  extensionVersion: string;
  settings: Settings;
  terminals(): Promise<TerminalsModel | undefined>;
  extensions(): Promise<{ report: ExtensionsDirReport; sizes: Map<string, number> }>;
  monitor: MemoryMonitor;
  auditFile: string;
}

export async function buildDiagnostics(i: ExportInputs): Promise<Diagnostics> {
  const [model, ext] = await Promise.all([i.terminals(), i.extensions()]);
  let auditTail: string[] = [];
  try {
    auditTail = (await fs.promises.readFile(i.auditFile, 'utf8')).trim().split('\n').filter(Boolean).slice(-50);
  } catch {
    // no audit log yet
  }
  const m = i.monitor;
  return {
    version: 1,
    createdAt: new Date().toISOString(),
    redacted: false,
    versions: {
      extension: i.extensionVersion,
      editor: vscode.version,
      appName: vscode.env.appName,
      node: process.version,
      platform: `${process.platform} ${os.release()}`,
    },
    settings: settingsForReport({ ...i.settings }),
    terminals: {
      available: !!model,
      reason: model ? undefined : 'the process table could not be read',
      shells: shellRowsOf(model),
      unregisteredExtensionHosts: (model?.unregisteredExtensionHosts ?? []).map((p) => p.pid),
    },
    extensions: {
      dir: ext.report.dir,
      error: ext.report.error,
      folders: ext.report.folders.map((f) => ({ name: f.name, cls: f.cls, bytes: ext.sizes.get(f.path), reason: f.reason })),
    },
    memory: {
      samples: m.history
        .samples()
        .slice(-240)
        .map((s) => ({ ...s })),
      oomEvents: m.oomMarkers.map((o) => ({ ...o })),
      sources: [
        m.cgroup?.ok
          ? `cgroup v${m.cgroup.value.version} at ${m.cgroup.value.dir}`
          : `cgroup: ${m.cgroup && !m.cgroup.ok ? m.cgroup.error : 'not read'}`,
        ...(m.kernel?.sources ?? []).map((s) => `${s.name}: ${s.available ? 'available' : `unavailable (${s.reason ?? '?'})`}`),
      ],
      lifecycle: m.lifecycle.map((r) => ({ ...r })),
    },
    auditTail,
  };
}

const isDir = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Asks before writing into a workspace folder; true to go on. */
async function confirmOutsideWorkspace(target: vscode.Uri): Promise<boolean> {
  if (target.scheme !== 'file') return true;
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const inside = workspaceFolderOf(target.fsPath, folders);
  if (!inside) return true;
  const button = vscode.l10n.t('Write Anyway');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t(
      '{0} is inside the workspace folder {1}, where it may be committed and shared. Write it there anyway?',
      target.fsPath,
      inside,
    ),
    {
      modal: true,
      detail: vscode.l10n.t('The report lists processes, folders and settings of this machine. Your home folder is a safer place.'),
    },
    button,
  );
  return choice === button;
}

export async function exportDiagnostics(i: ExportInputs): Promise<void> {
  const choice = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('Redact'), description: vscode.l10n.t('home folder → ~, command-line arguments dropped'), redact: true },
      {
        label: vscode.l10n.t('Full'),
        description: vscode.l10n.t('everything as shown in the views (secrets in command lines are always removed)'),
        redact: false,
      },
    ],
    { title: vscode.l10n.t('Export Diagnostics'), placeHolder: vscode.l10n.t('Redact personal paths and command lines?') },
  );
  if (!choice) return;
  const folder = defaultExportFolder(os.homedir(), os.tmpdir(), isDir);
  const target = await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Export Diagnostics'),
    defaultUri: vscode.Uri.file(path.join(folder, `code-server-ops-diagnostics-${Date.now()}.json`)),
    filters: { JSON: ['json'] },
  });
  if (!target || !(await confirmOutsideWorkspace(target))) return;
  const text = diagnosticsText(await buildDiagnostics(i), { redact: choice.redact, home: os.homedir() });
  if (!text.ok) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Diagnostics not written: the report did not validate ({0}).', text.error));
    return;
  }
  if (target.scheme === 'file') {
    const written = await writeDiagnosticsFile(target.fsPath, text.text);
    if (!written.ok) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Diagnostics not written: {0}.', written.error));
      return;
    }
  } else {
    try {
      await vscode.workspace.fs.writeFile(target, Buffer.from(text.text));
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Diagnostics not written: {0}.', String(e)));
      return;
    }
  }
  const done =
    target.scheme === 'file'
      ? vscode.l10n.t('Diagnostics written to {0} (readable only by you).', target.fsPath)
      : vscode.l10n.t('Diagnostics written to {0}.', target.fsPath);
  void vscode.window
    .showInformationMessage(done, vscode.l10n.t('Open'))
    .then((c) => (c ? vscode.window.showTextDocument(target) : undefined));
}
