import * as assert from 'assert';
import { parseWebviewMessage } from '../../src/features/memory/messages';

describe('Memory webview messages', () => {
  it('accepts exactly the five known messages', () => {
    for (const type of ['ready', 'restart', 'openPanel', 'checkKernelLog', 'profile'])
      assert.deepStrictEqual(parseWebviewMessage({ type }), { type });
  });

  it('rejects anything else without throwing', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'restart',
      42,
      [],
      {},
      { type: 'kill', pid: 1 },
      { type: 'RESTART' },
      { type: 'PROFILE' },
      { type: ['restart'] },
      { type: { toString: () => 'restart' } },
      JSON.parse('{"__proto__": {"type": "restart"}}'),
    ];
    for (const raw of bad) assert.strictEqual(parseWebviewMessage(raw), undefined, JSON.stringify(raw));
  });
});
