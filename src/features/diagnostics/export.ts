// The "Export Diagnostics…" command: gathers the views' current state, asks about redaction and where to save.
import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import { MemoryMonitor } from '../memory/monitor';
import { ExtensionsDirReport } from '../../probes/extensionsDir';
import { TerminalsModel } from '../terminals/model';
import { Settings } from '../../core/settings';
import { Diagnostics, redactDiagnostics, settingsForReport, validateDiagnostics } from './report';

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
    versions: { extension: i.extensionVersion, editor: vscode.version, appName: vscode.env.appName, node: process.version, platform: `${process.platform} ${os.release()}` },
    settings: settingsForReport({ ...i.settings }),
    terminals: {
      available: !!model,
      reason: model ? undefined : 'the process table could not be read',
      shells: (model?.groups ?? []).flatMap((g) =>
        g.shells.map((r) => ({ pid: r.shell.pid, name: r.label, status: r.status, ageMs: r.ageMs, rssBytes: r.totalRssBytes, cwd: r.cwd.ok ? r.cwd.path : undefined, argv: r.shell.argv })),
      ),
      unregisteredExtensionHosts: (model?.unregisteredExtensionHosts ?? []).map((p) => p.pid),
    },
    extensions: {
      dir: ext.report.dir,
      error: ext.report.error,
      folders: ext.report.folders.map((f) => ({ name: f.name, cls: f.cls, bytes: ext.sizes.get(f.path), reason: f.reason })),
    },
    memory: {
      samples: m.history.samples().slice(-240).map((s) => ({ ...s })),
      oomEvents: m.oomMarkers.map((o) => ({ ...o })),
      sources: [
        m.cgroup?.ok ? `cgroup v${m.cgroup.value.version} at ${m.cgroup.value.dir}` : `cgroup: ${m.cgroup && !m.cgroup.ok ? m.cgroup.error : 'not read'}`,
        ...(m.kernel?.sources ?? []).map((s) => `${s.name}: ${s.available ? 'available' : `unavailable (${s.reason ?? '?'})`}`),
      ],
      lifecycle: m.lifecycle.map((r) => ({ ...r })),
    },
    auditTail,
  };
}

export async function exportDiagnostics(i: ExportInputs): Promise<void> {
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'Redact', description: 'home folder → ~, command-line arguments dropped', redact: true },
      { label: 'Full', description: 'everything as shown in the views', redact: false },
    ],
    { title: 'Export Diagnostics', placeHolder: 'Redact personal paths and command lines?' },
  );
  if (!choice) return;
  const target = await vscode.window.showSaveDialog({
    title: 'Export Diagnostics',
    defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir()), `code-server-ops-diagnostics-${Date.now()}.json`),
    filters: { JSON: ['json'] },
  });
  if (!target) return;
  const report = redactDiagnostics(await buildDiagnostics(i), { redact: choice.redact, home: os.homedir() });
  const valid = validateDiagnostics(report);
  if (!valid.ok) {
    void vscode.window.showErrorMessage(`Diagnostics not written: the report did not validate (${valid.error}).`);
    return;
  }
  await vscode.workspace.fs.writeFile(target, Buffer.from(JSON.stringify(valid.value, null, 2)));
  void vscode.window.showInformationMessage(`Diagnostics written to ${target.fsPath}.`, 'Open').then((c) => c && vscode.window.showTextDocument(target));
}
