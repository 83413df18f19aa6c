// Keeps the localization sources in sync (English is the source language: a message's key is its text).
//   node scripts/l10n.js          writes l10n/bundle.l10n.json from every vscode.l10n.t('…') call in src/
//   node scripts/l10n.js --check  fails if the bundle is out of date, if package.json names a %key% that
//                                 package.nls.json lacks, or if package.nls.json has a key package.json never uses
// The message of a call must be a string literal or a `+` concatenation of literals (long messages are split to
// stay within 140 columns); anything else is reported, since no tool could extract it.
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');
const bundlePath = path.join(root, 'l10n', 'bundle.l10n.json');

/** @param {string} dir @returns {string[]} */
function tsFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return tsFiles(p);
      return e.name.endsWith('.ts') ? [p] : [];
    })
    .sort();
}

/**
 * The text of a literal or a concatenation of literals; undefined for anything computed.
 * @param {ts.Expression} e
 * @returns {string | undefined}
 */
function literalText(e) {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  if (ts.isParenthesizedExpression(e)) return literalText(e.expression);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = literalText(e.left);
    const right = literalText(e.right);
    return left === undefined || right === undefined ? undefined : left + right;
  }
  return undefined;
}

/** Is `call` a call of `vscode.l10n.t` (or `l10n.t`)? @param {ts.CallExpression} call */
function isL10nT(call) {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 't') return false;
  const owner = callee.expression;
  if (ts.isIdentifier(owner)) return owner.text === 'l10n';
  return ts.isPropertyAccessExpression(owner) && owner.name.text === 'l10n';
}

/** Every message of src/, in source order, and the calls whose message is not a literal. */
function collect() {
  /** @type {Map<string, string>} */
  const messages = new Map();
  /** @type {string[]} */
  const problems = [];
  for (const file of tsFiles(path.join(root, 'src'))) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    /** @param {ts.Node} node */
    const visit = (node) => {
      if (ts.isCallExpression(node) && isL10nT(node)) {
        const at = `${path.relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
        const text = node.arguments.length ? literalText(node.arguments[0]) : undefined;
        if (text === undefined) problems.push(`${at}: the message of vscode.l10n.t is not a string literal`);
        else messages.set(text, text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { messages, problems };
}

/** %key% references of package.json against package.nls.json. */
function nlsProblems() {
  const pkgText = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
  const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8'));
  const used = new Set([...pkgText.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1]));
  return [
    ...[...used].filter((k) => !(k in nls)).map((k) => `package.json: %${k}% is not in package.nls.json`),
    ...Object.keys(nls)
      .filter((k) => !used.has(k))
      .map((k) => `package.nls.json: ${k} is not used by package.json`),
  ];
}

function main() {
  const check = process.argv.includes('--check');
  const { messages, problems } = collect();
  const text = JSON.stringify(Object.fromEntries(messages), null, 2) + '\n';
  if (check) {
    const current = fs.existsSync(bundlePath) ? fs.readFileSync(bundlePath, 'utf8') : '';
    if (current !== text) problems.push('l10n/bundle.l10n.json is out of date: run node scripts/l10n.js');
    problems.push(...nlsProblems());
  } else if (problems.length === 0) {
    fs.mkdirSync(path.dirname(bundlePath), { recursive: true });
    fs.writeFileSync(bundlePath, text);
  }
  for (const p of problems) console.error(`l10n: ${p}`);
  if (problems.length) process.exit(1);
  console.log(
    `l10n: ${messages.size} messages${check ? ', bundle and package.nls.json in sync' : ` written to ${path.relative(root, bundlePath)}`}`,
  );
}

main();
