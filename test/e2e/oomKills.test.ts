// OOM kills e2e: a real OOM kill in a child memory cgroup (64 MiB limit) of a job started from a terminal of the
// window; the Memory view must list it with the right pid and victim within 10 s, and a notification must appear.
// Needs root (to create a cgroup); cgroup v2 when the machine has it, v1 otherwise. The cgroup is removed afterwards.
import { memoryFrame } from '../support/profileTable';
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Page } from 'playwright-core';
import { ROOT } from '../support/codeServer';
import { Session, createTerminal, startSession, stopSession, typeInTerminal } from '../support/session';
import { RESULTS, runCommand, waitFor } from '../support/workbench';

/** The directory of a new child memory cgroup below this process's own, and how to limit it; or why not. */
function childCgroupPlan(): { dir: string; limitFile: string; version: 1 | 2 } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'not root: cannot create a memory cgroup' };
  const lines = fs.readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  const name = `csops-e2e-oom-${process.pid}`;
  const v1 = lines.map((l) => l.split(':')).find((f) => f[1].split(',').includes('memory'));
  if (v1 && fs.existsSync('/sys/fs/cgroup/memory'))
    return { dir: path.join('/sys/fs/cgroup/memory', v1[2], name), limitFile: 'memory.limit_in_bytes', version: 1 };
  const v2 = lines.find((l) => l.startsWith('0::'));
  if (v2 && fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    const own = path.join('/sys/fs/cgroup', v2.slice(3));
    // v2: a cgroup with processes cannot have controllers enabled for children ("no internal processes").
    const controllers = fs.readFileSync(path.join(own, 'cgroup.subtree_control'), 'utf8');
    if (!controllers.split(/\s+/).includes('memory')) return { skip: `cgroup v2: memory controller not enabled for children of ${own}` };
    return { dir: path.join(own, name), limitFile: 'memory.max', version: 2 };
  }
  return { skip: 'no memory cgroup found' };
}

const startTime = (pid: number): string | undefined => {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
  } catch {
    return undefined;
  }
};

/** docs/images/memory-oom.png for the README: the Memory chart panel scrolled to the OOM kills and Recent ends lists. */
async function readmeScreenshot(page: Page): Promise<void> {
  await runCommand(page, 'View: Hide Panel'); // the terminal: the chart panel gets the whole editor height
  await runCommand(page, 'code-server Ops: Open Memory Chart');
  const panel = await waitFor('the Memory chart panel', async () => {
    for (const f of page.frames())
      if (
        (await f
          .locator('#ends tr.end')
          .count()
          .catch(() => 0)) > 0 &&
        !(await f.locator('#panel').count())
      )
        return f;
    return undefined;
  });
  await panel.locator('h3', { hasText: 'OOM kills' }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
  await new Promise((r) => setTimeout(r, 500));
  const out = path.join(ROOT, 'docs/images/memory-oom.png');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.locator('.part.editor').screenshot({ path: out });
}

describe('OOM kills in a real code-server', function () {
  let s: Session | undefined;
  let cg: { dir: string; limitFile: string; version: 1 | 2 } | undefined;
  let tmp: string | undefined;
  let victim: { pid: number; start?: string } | undefined;

  before(async function () {
    const plan = childCgroupPlan();
    if ('skip' in plan) {
      console.log(`skipped: ${plan.skip}`);
      this.skip();
    }
    cg = plan;
    fs.mkdirSync(cg.dir);
    fs.writeFileSync(path.join(cg.dir, cg.limitFile), String(64 * 1024 * 1024));
    if (cg.version === 2) fs.writeFileSync(path.join(cg.dir, 'memory.swap.max'), '0');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'csops-e2e-oom-'));
    s = await startSession('oom', { userSettings: { 'csops.memory.sampleSeconds': 1 } });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await s?.page.screenshot({ path: `${RESULTS}/oom-failure-${Date.now()}.png` }).catch(() => undefined);
  });

  after(async function () {
    // Only the allocator this test started, by pid after re-checking its start time.
    if (victim && victim.start !== undefined && startTime(victim.pid) === victim.start) process.kill(victim.pid, 'SIGKILL');
    await stopSession(s);
    if (cg) {
      for (let i = 0; i < 50 && fs.existsSync(cg.dir); i++) {
        try {
          fs.rmdirSync(cg.dir);
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.ok(!fs.existsSync(cg.dir), `cgroup ${cg.dir} removed`);
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('lists the kill with its pid and victim within 10 s, and notifies once', async function () {
    const page = s!.page;
    const script = path.join(tmp!, 'alloc.js');
    // Waits so that a scan sees it, then allocates until the 64 MiB limit kills it.
    fs.writeFileSync(
      script,
      'setTimeout(() => { const a = []; setInterval(() => { for (let i = 0; i < 8; i++) a.push(Buffer.alloc(1 << 20, 1)); }, 20); }, 12000);\n',
    );
    await runCommand(page, 'code-server Ops: Focus on Terminals View'); // a visible tree view scans every second
    const shell = await createTerminal(s!);
    await new Promise((r) => setTimeout(r, 1000)); // let the shell finish its init file before keystrokes arrive
    // A leading space: a keystroke lost while the terminal takes focus costs nothing.
    await typeInTerminal(s!, ` sh -c 'echo $$ > ${cg!.dir}/cgroup.procs && exec node ${script}'`);
    const pid = await waitFor(
      'the allocator in the child cgroup',
      () => {
        const pids = fs.readFileSync(path.join(cg!.dir, 'cgroup.procs'), 'utf8').trim().split('\n').filter(Boolean).map(Number);
        return pids.find((p) => fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node');
      },
      20_000,
    );
    victim = { pid, start: startTime(pid) };
    await runCommand(page, 'code-server Ops: Focus on Memory View');
    const frame = await memoryFrame(page, '#kills');
    assert.strictEqual(Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]), shell, 'a job of the terminal');
    const oomCount = () =>
      cg!.version === 1
        ? Number(/^oom_kill (\d+)/m.exec(fs.readFileSync(path.join(cg!.dir, 'memory.oom_control'), 'utf8'))?.[1] ?? 0)
        : Number(/^oom_kill (\d+)/m.exec(fs.readFileSync(path.join(cg!.dir, 'memory.events'), 'utf8'))?.[1] ?? 0);
    await waitFor('the kernel OOM-killed the allocator', () => oomCount() >= 1, 30_000);
    const killedAt = Date.now();
    const row = frame.locator(`#kills tr.oom-kill[data-pid="${pid}"]`);
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    const within = Date.now() - killedAt;
    const text = await row.innerText();
    assert.ok(within <= 10_000, `listed after ${within} ms`);
    assert.strictEqual(await row.getAttribute('data-kind'), 'terminal', text);
    assert.match(text, /terminal 1 .*· node .*alloc\.js/, text);
    assert.ok(text.includes(String(pid)), text);
    const toast = page.locator('.notification-toast', { hasText: `Out of memory: the kernel killed` });
    await toast.first().waitFor({ state: 'visible', timeout: 10_000 });
    const toastText = await toast.first().innerText();
    assert.ok(toastText.includes(`pid ${pid}`), toastText);
    assert.strictEqual(await toast.count(), 1, 'one notification for the kill (both kernel lines merged)');
    assert.ok(
      await toast.first().locator('a.monaco-button, .monaco-button', { hasText: 'Open Memory View' }).count(),
      'Open Memory View button',
    );
    assert.match((await frame.locator('#sources').textContent()) ?? '', /\/dev\/kmsg: following/); // inside a closed <details>
    // The cgroup counters of the subtree: the child cgroup (made before the session started) is watched, and its kill counted.
    const files = cg!.version === 1 ? 'memory.oom_control' : 'memory.events \\+ memory.events.local';
    const counted = new RegExp(`cgroup OOM counters \\(${files}\\): \\d+ cgroup\\(s\\) at and below \\S+, 1 kill\\(s\\) counted`);
    await waitFor(
      'the cgroup counter change in Sources',
      async () => counted.test((await frame.locator('#sources').textContent()) ?? '') || undefined,
      10_000,
    ).catch(async (e) => {
      throw new Error(`${String(e)}; Sources: ${(await frame.locator('#sources').textContent()) ?? ''}`);
    });
    // The job's end in Recent ends: the scan after the kill sees it gone, the kill names it → oom.
    const end = frame.locator(`#ends tr.end[data-pid="${pid}"]`);
    await end.waitFor({ state: 'visible', timeout: 10_000 });
    assert.strictEqual(await end.getAttribute('data-kind'), 'oom', await end.innerText());
    assert.strictEqual(await end.getAttribute('data-tree'), 'terminal', await end.innerText());
    assert.match(await end.innerText(), /terminal 1 .*· node .*alloc\.js/);
    assert.match((await end.getAttribute('title')) ?? '', new RegExp(`OOM killer killed its root pid ${pid} \\(node\\)`));
    if (process.env.CSOPS_SCREENSHOTS === '1') await readmeScreenshot(page);
    await page.screenshot({ path: `${RESULTS}/oom-kill.png` });
    await page.locator('.part.sidebar').screenshot({ path: `${RESULTS}/memory-oom-kills.png` });
  });
});
