// Command ids in one place (they must match package.json's contributes.commands).
export const Commands = {
  showSidebar: 'csops.showSidebar',
  showLog: 'csops.showLog',
  refreshTerminals: 'csops.terminals.refresh',
  revealTerminal: 'csops.terminals.reveal',
  killTerminals: 'csops.terminals.kill',
  killDetachedTerminals: 'csops.terminals.killDetached',
  showAuditLog: 'csops.showAuditLog',
} as const;

export const Views = {
  container: 'csops',
  terminals: 'csops.terminals',
} as const;
