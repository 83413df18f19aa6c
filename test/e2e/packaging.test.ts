// Packaging e2e: the installed VSIX's details page in a real code-server shows the icon and the user README (no
// development commands), with no broken image (the details page keeps only absolute http(s) images: see
// scripts/vsixReadme.js).
import * as assert from 'assert';
import { Frame, Page } from 'playwright-core';
import { Session, startSession, stopSession, waitActivated } from '../support/session';
import { RESULTS, runCommand, waitFor } from '../support/workbench';

/** The little of the DOM the page-side function uses (the test is compiled without the DOM library). */
interface DocLike {
  body?: { innerText: string };
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null; complete: boolean; naturalWidth: number }>;
}

interface ReadmeState {
  text: string;
  images: { src: string; loaded: boolean }[];
}

/** The details page's README webview (an iframe), once it has rendered. */
async function readme(page: Page): Promise<ReadmeState | undefined> {
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    const state = await readmeOf(frame);
    if (state) return state;
  }
  return undefined;
}

async function readmeOf(frame: Frame): Promise<ReadmeState | undefined> {
  try {
    return await frame.evaluate(() => {
      const doc = (globalThis as unknown as { document: DocLike }).document;
      const text = doc.body?.innerText ?? '';
      if (!text.includes('What it shows')) return undefined;
      const imgs = Array.from(doc.querySelectorAll('img'));
      if (imgs.some((i) => !i.complete)) return undefined; // still loading
      return { text, images: imgs.map((i) => ({ src: i.getAttribute('src') ?? '', loaded: i.naturalWidth > 0 })) };
    });
  } catch {
    return undefined; // a frame that navigated away
  }
}

describe('Packaging in a real code-server', function () {
  let s: Session | undefined;

  before(async function () {
    s = await startSession('packaging');
  });

  after(async function () {
    await stopSession(s);
  });

  it("the extension's details page shows the icon and the user README, with no broken image", async function () {
    const { page } = s!;
    await waitActivated(page);
    await runCommand(page, 'Extensions: Show Installed Extensions');
    const entry = page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'code-server Ops' }).first();
    await entry.waitFor({ state: 'visible', timeout: 30_000 });
    await waitFor('the icon in the extensions list to load', () =>
      entry
        .locator('img.icon')
        .first()
        .evaluate((i) => {
          const img = i as unknown as { complete: boolean; naturalWidth: number };
          return img.complete && img.naturalWidth > 0;
        }),
    );
    await entry.click();
    const shown = await waitFor('the README in the details page', () => readme(page), 60_000);
    await page.screenshot({ path: `${RESULTS}/extension-details.png` });
    assert.ok(!shown.text.includes('builds the VSIX, starts a real code-server'), 'the development commands are not in the user README');
    assert.match(shown.text, /Screenshot: Terminals view/);
    const broken = shown.images.filter((i) => !i.src || !i.loaded);
    assert.deepStrictEqual(broken, [], 'no broken image');
  });
});
