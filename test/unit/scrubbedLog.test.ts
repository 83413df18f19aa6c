import * as assert from 'assert';
import { scrubbedLog } from '../../src/core/scrubbedLog';

class FakeChannel {
  readonly lines: string[] = [];
  name = 'code-server Ops';
  info(message: string, ...args: unknown[]): void {
    this.lines.push([message, ...args.map(String)].join(' '));
  }
  error(message: string | Error): void {
    this.lines.push(String(message));
  }
  appendLine(value: string): void {
    this.lines.push(value);
  }
  show(): string {
    return `shown ${this.name}`;
  }
}

describe('scrubbedLog: the output channel never carries a secret', () => {
  it('scrubs every string written through the writing methods', () => {
    const raw = new FakeChannel();
    const log = scrubbedLog(raw);
    log.info('started `node server.js --api-key=sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789`');
    log.appendLine('curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl" x');
    log.info('token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    const text = raw.lines.join('\n');
    assert.ok(!text.includes('sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789'), text);
    assert.ok(!text.includes('eyJzdWIiOiIxMjM0NTY3ODkwIn0'), text);
    assert.ok(!text.includes('ghp_abcdefghijklmnopqrstuvwxyz0123456789'), text);
    assert.match(text, /node server\.js/, 'the program name stays readable');
  });

  it('leaves other methods, properties and non-string arguments alone', () => {
    const raw = new FakeChannel();
    const log = scrubbedLog(raw);
    assert.strictEqual(log.show(), 'shown code-server Ops');
    assert.strictEqual(log.name, 'code-server Ops');
    const e = new Error('boom');
    log.error(e);
    assert.strictEqual(raw.lines[0], 'Error: boom');
  });
});
