// Messages the Memory webview may send to the extension, validated with zod (no `vscode` here: unit-tested).
import * as z from 'zod/mini';

export const WebviewMessageRecord = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('restart') }),
  z.object({ type: z.literal('openPanel') }),
  z.object({ type: z.literal('checkKernelLog') }),
  z.object({ type: z.literal('profile') }),
]);
export type WebviewMessage = z.infer<typeof WebviewMessageRecord>;

/** The message, or undefined for anything else (wrong type, extra shapes, non-objects). */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  const r = WebviewMessageRecord.safeParse(raw);
  return r.success ? r.data : undefined;
}
