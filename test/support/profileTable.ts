// The Memory webview's profile table, as the e2e suites read it.
import { Frame, Page } from 'playwright-core';
import { waitFor } from './workbench';

export interface ProfileRow {
  kind: string;
  name: string;
  cpuMs: number;
  liveMb: number;
  top: string;
}

/** The frame of the Memory webview: the one holding `selector` (by default the profile table). */
export async function memoryFrame(page: Page, selector = '#profile-table'): Promise<Frame> {
  return waitFor('the Memory webview frame', async () => {
    for (const f of page.frames())
      if (
        (await f
          .locator(selector)
          .count()
          .catch(() => 0)) > 0
      )
        return f;
    return undefined;
  });
}

/** The rows of the profile shown, in display order. */
export async function profileRows(frame: Frame): Promise<ProfileRow[]> {
  return frame.locator('#profile-table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const td = [...tr.querySelectorAll('td')].map((c) => c.textContent ?? '');
      return { kind: tr.getAttribute('data-kind') ?? '', name: td[0], cpuMs: Number(td[1]), liveMb: Number(td[3]), top: td[4] };
    }),
  );
}
