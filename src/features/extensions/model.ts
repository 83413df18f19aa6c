// The Extensions model: the folder report, the sizes known so far and the clean-up context. Pure.
import { ExtensionsDirReport } from '../../probes/extensionsDir';
import { CleanContext } from './plan';

export interface ExtensionsModel {
  report: ExtensionsDirReport;
  sizes: Map<string, number>;
  sizing: boolean;
  ctx: CleanContext;
}
