// `npm start`: provisions code-server (cached), installs the freshly built VSIX into a project-local extensions dir,
// starts code-server on 127.0.0.1 and prints the URL. Ctrl-C stops it (and the shells it started).
const path = require('path');
const fs = require('fs');
// Compiled by `npx tsc -p .` (npm start packages first); typed from its TypeScript source.
/** @type {typeof import('../test/support/codeServer')} */
const { CodeServer, provision, VSIX, ROOT, freePort } = require(path.join(__dirname, '..', 'out', 'test', 'support', 'codeServer.js'));

async function main() {
  const env = provision();
  const home = path.join(process.env.CSOPS_CACHE || path.join(ROOT, '.cache'), 'run');
  fs.mkdirSync(home, { recursive: true });
  CodeServer.installExtension(env, home, VSIX);
  const wanted = Number(process.env.PORT || 8080);
  const port = (await isFree(wanted)) ? wanted : await freePort();
  // Not the project root: an untrusted workspace disables every extension installed inside it (.cache/run/extensions).
  const folder = process.env.CSOPS_FOLDER || path.join(home, 'workspace');
  fs.mkdirSync(folder, { recursive: true });
  const cs = await CodeServer.start({ env, home, folder, port, inheritOutput: false });
  const url = `${cs.url}/?folder=${encodeURIComponent(folder)}`;
  console.log(`\ncode-server ${env.codeServerVersion} with code-server Ops is running:\n\n    ${url}\n`);
  console.log(`user data: ${path.join(home, 'user-data')}   extensions: ${path.join(home, 'extensions')}`);
  console.log('Press Ctrl-C to stop.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping code-server…');
    await cs.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  cs.child.on('exit', (/** @type {number | null} */ code) => {
    if (!stopping) {
      console.error(`code-server exited (${code})\n${cs.log}`);
      process.exit(1);
    }
  });
  setInterval(() => cs.recordDescendants(), 10_000);
}

/** @param {number} port @returns {Promise<boolean>} */
function isFree(port) {
  return new Promise((resolve) => {
    const srv = require('net').createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
