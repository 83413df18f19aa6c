// Command ids in one place (they must match package.json's contributes.commands).
export const Commands = {
  showSidebar: 'csops.showSidebar',
  showLog: 'csops.showLog',
  refreshTerminals: 'csops.terminals.refresh',
  revealTerminal: 'csops.terminals.reveal',
  killTerminals: 'csops.terminals.kill',
  killDetachedTerminals: 'csops.terminals.killDetached',
  showAuditLog: 'csops.showAuditLog',
  refreshExtensions: 'csops.extensions.refresh',
  stopSizing: 'csops.extensions.stopSizing',
  cleanUp: 'csops.extensions.cleanUp',
  cleanUpAll: 'csops.extensions.cleanUpAll',
  undoCleanUp: 'csops.extensions.undoLastCleanUp',
  emptyQuarantine: 'csops.extensions.emptyQuarantine',
  openMemoryChart: 'csops.memory.openChart',
  restartExtensionHost: 'csops.restartExtensionHost',
  checkKernelLog: 'csops.memory.checkKernelLog',
  exportDiagnostics: 'csops.exportDiagnostics',
  refreshAi: 'csops.ai.refresh',
  stopAi: 'csops.ai.stop',
  stopLeakedAi: 'csops.ai.stopLeakedAndDuplicates',
  profileExtensionHost: 'csops.profileExtensionHost',
} as const;

export const Views = {
  container: 'csops',
  terminals: 'csops.terminals',
  extensions: 'csops.extensions',
  memory: 'csops.memory',
  ai: 'csops.ai',
} as const;
