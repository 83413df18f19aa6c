// ESLint flat config (ESLint 10, typescript-eslint 8). `npx eslint src test scripts`.
// src/**: @eslint/js recommended + typescript-eslint recommendedTypeChecked (type-aware: floating and misused promises).
// test/**: typescript-eslint recommended without type information (lighter and faster; e2e/support/host included).
// scripts/**/*.js: @eslint/js recommended, CommonJS with Node's globals (types: `tsc -p scripts`, checkJs); no broad kills.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// The globals of Node's CommonJS scripts (the `globals` package is not a dependency; the ES built-ins such as
// Atomics and SharedArrayBuffer come with ecmaVersion).
const nodeGlobals = Object.fromEntries(
  [
    'require',
    'module',
    'exports',
    '__dirname',
    '__filename',
    'process',
    'console',
    'Buffer',
    'global',
    'performance',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'queueMicrotask',
    'URL',
    'AbortController',
    'TextDecoder',
    'TextEncoder',
    'structuredClone',
    'fetch',
  ].map((name) => [name, 'readonly']),
);

// The scripts start and kill processes (the benchmark's fleet, code-server for e2e). A signal to pid -1 reaches every
// process the user may signal, 0 the caller's own process group, and a negative pid a whole group: they kill only by
// a positive pid they have verified (see scripts/bench/fleet.js). Literal broad targets are rejected here.
const broadKill = 'Kill only by a verified positive pid: kill(-1), kill(0) and negative pids signal groups or every process.';
const byName = 'No kills by name (pkill / killall).';
const processKill = "CallExpression[callee.object.name='process'][callee.property.name='kill']";
const runsCommand = 'CallExpression[callee.name=/^(spawn|spawnSync|exec|execSync|execFile|execFileSync)$/]';
const noBroadKills = [
  'error',
  { selector: `${processKill} > UnaryExpression.arguments:first-child[operator='-']`, message: broadKill },
  { selector: `${processKill} > Literal.arguments:first-child[value=0]`, message: broadKill },
  { selector: `${runsCommand} > Literal.arguments:first-child[value=/^(pkill|killall)$/]`, message: byName },
];

const unusedVars = [
  'error',
  // A field destructured only to leave it out of `...rest` (kernelLog's summarizeOomKills drops `message` that way) is
  // used; `_`-prefixed parameters are ones a signature requires.
  { argsIgnorePattern: '^_', ignoreRestSiblings: true },
];

/** Modules that must stay free of the `vscode` module (exported for the test that proves the rule bites). */
export const PURE_MODULES = [
  'src/probes/**/*.ts',
  'src/features/*/model.ts',
  'src/features/*/plan.ts',
  'src/features/*/*Plan.ts',
  'src/features/*/classify.ts',
  'src/features/*/patterns/*.ts',
  'src/features/*/quarantine.ts',
  'src/features/*/monitor.ts',
  'src/features/*/messages.ts',
  'src/features/*/victim.ts',
  'src/features/*/ends.ts',
  'src/core/signalled.ts',
  'src/features/*/report.ts',
  'src/features/*/server.ts',
  'src/features/*/collect.ts',
  'src/features/*/profiler.ts',
  'src/features/*/counts.ts',
  'src/features/*/idle.ts',
  'src/features/metrics/access.ts',
  'src/features/metrics/scanCost.ts',
  'src/core/safety.ts',
  'src/core/audit.ts',
  'src/core/snapshotService.ts',
  'src/core/scan.ts',
  'src/core/scrubbedLog.ts',
  'src/core/ticker.ts',
];

export default defineConfig(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      '.cache/**',
      'media/**',
      'test-results/**',
      'bench-results/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      '!scripts/**/*.js',
    ],
  },
  {
    files: ['src/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': unusedVars,
      // Formatting and parsing code escapes or matches control characters (\0, \x1f, \x7f) in argv and /proc text
      // on purpose; the rule only knows how to flag them all.
      'no-control-regex': 'off',
      // The style rules of the redesign: no nested ternaries for control flow, no line over 140 characters (Prettier's
      // printWidth; long regular expressions and URLs may not be breakable).
      'no-nested-ternary': 'error',
      'max-len': ['error', { code: 140, ignoreRegExpLiterals: true, ignoreUrls: true }],
    },
  },
  {
    // The pure layer: vscode-free readers, models, plans and the safety rules. They take their inputs as parameters and
    // are fixture-tested outside VS Code, so importing `vscode` there is an error, not a convention.
    files: PURE_MODULES,
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'pure module: take what you need as a parameter (see README "Where things are").' }] },
      ],
    },
  },
  {
    files: ['scripts/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'commonjs',
      globals: nodeGlobals,
    },
    rules: {
      'no-unused-vars': unusedVars,
      'no-restricted-syntax': noBroadKills,
    },
  },
  {
    files: ['test/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': unusedVars,
      // tests build /proc, argv and log text with control characters, and feed parsers numbers beyond 2^53 on purpose
      'no-control-regex': 'off',
      'no-loss-of-precision': 'off',
    },
  },
);
