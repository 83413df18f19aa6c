import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  TcpSocket,
  formatHexAddress,
  formatIPv6,
  listeningPortsByPid,
  parseProcNetTcp,
  readListeningPorts,
  readTcpSockets,
  socketInodes,
} from '../../src/probes/ai/ports';
import { FdLinks, FdReader, procFdReader } from '../../src/probes/ai/sessions';
import { FaultyProcFs } from './procFixtures';
import { AI, AI_ROOT, aiModelOf, scanAi } from './aiFixtures';

const TCP = fs.readFileSync(path.join(AI_ROOT, 'net', 'tcp'), 'latin1');
const TCP6 = fs.readFileSync(path.join(AI_ROOT, 'net', 'tcp6'), 'latin1');
const HEADER4 = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const line4 = (local: string, remote: string, st: string, inode: number, uid = 1000): string =>
  `   0: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000 ${String(uid).padStart(5)}        0 ${inode} 1 0000000000000000 100 0 0 10 0`;

function sockets(text: string, family: 4 | 6): TcpSocket[] {
  const r = parseProcNetTcp(text, family, 'LE');
  if (!r.ok) throw new Error(r.error);
  return r.sockets;
}

describe('addresses of /proc/net/tcp', () => {
  it('reads IPv4 words in host byte order', () => {
    assert.strictEqual(formatHexAddress('0100007F', 'LE'), '127.0.0.1');
    assert.strictEqual(formatHexAddress('00000000', 'LE'), '0.0.0.0');
    assert.strictEqual(formatHexAddress('0A684FA0', 'LE'), '160.79.104.10');
    assert.strictEqual(formatHexAddress('7F000001', 'BE'), '127.0.0.1');
  });

  it('reads IPv6 as four words and writes RFC 5952 text', () => {
    assert.strictEqual(formatHexAddress('00000000000000000000000000000000', 'LE'), '::');
    assert.strictEqual(formatHexAddress('00000000000000000000000001000000', 'LE'), '::1');
    assert.strictEqual(formatHexAddress('0000000000000000FFFF00000100007F', 'LE'), '::ffff:127.0.0.1');
    assert.strictEqual(formatHexAddress('B80D0120000000000000000001000000', 'LE'), '2001:db8::1');
    assert.strictEqual(formatHexAddress('20010DB8000000000000000000000001', 'BE'), '2001:db8::1');
    assert.strictEqual(formatHexAddress('000080FE00000000FF0C1102FE3E0CFE', 'LE'), 'fe80::211:cff:fe0c:3efe');
  });

  it('compresses the longest zero run only, and never a single zero group', () => {
    const bytes = (groups: number[]): number[] => groups.flatMap((g) => [g >> 8, g & 0xff]);
    assert.strictEqual(formatIPv6(bytes([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1])), '2001:db8:0:1::1');
    assert.strictEqual(formatIPv6(bytes([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), '2001:db8::1:0:0:1'); // a tie: the first run
    assert.strictEqual(formatIPv6(bytes([0x2001, 0xdb8, 1, 2, 3, 4, 0, 5])), '2001:db8:1:2:3:4:0:5');
    assert.strictEqual(formatIPv6(bytes([1, 0, 0, 0, 0, 0, 0, 0])), '1::');
    assert.throws(() => formatIPv6([1, 2, 3]));
  });
});

describe('parseProcNetTcp', () => {
  it('parses the tcp fixture: LISTEN, ESTABLISHED and a TIME_WAIT line without an owner', () => {
    const s = sockets(TCP, 4);
    assert.strictEqual(s.length, 8);
    assert.deepStrictEqual(s[0], {
      family: 4,
      localAddress: '127.0.0.1',
      localPort: 18080,
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      stateCode: 0x0a,
      state: 'LISTEN',
      uid: 1000,
      inode: 41001,
    });
    assert.deepStrictEqual(
      s.filter((x) => x.state === 'LISTEN').map((x) => `${x.localAddress}:${x.localPort}`),
      ['127.0.0.1:18080', '127.0.0.1:54321', '127.0.0.1:8931', '0.0.0.0:22'],
    );
    assert.deepStrictEqual(s[4], {
      family: 4,
      localAddress: '10.0.0.5',
      localPort: 41234,
      remoteAddress: '160.79.104.10',
      remotePort: 443,
      stateCode: 1,
      state: 'ESTABLISHED',
      uid: 1000,
      inode: 41010,
    });
    assert.deepStrictEqual([s[7].state, s[7].inode, s[7].uid], ['TIME_WAIT', 0, 0]);
  });

  it('parses the tcp6 fixture: ::, ::1 and IPv4-mapped addresses', () => {
    const s = sockets(TCP6, 6);
    assert.deepStrictEqual(
      s.map((x) => `${x.state} [${x.localAddress}]:${x.localPort} ${x.inode}`),
      [
        'LISTEN [::]:3000 41003',
        'LISTEN [::1]:631 40001',
        'ESTABLISHED [::ffff:127.0.0.1]:3000 41013',
        'LISTEN [::ffff:127.0.0.1]:8080 41014',
      ],
    );
    assert.strictEqual(s[2].remoteAddress, '::ffff:127.0.0.1');
    assert.strictEqual(s[2].remotePort, 55000);
  });

  it('rejects a file that is not a socket table', () => {
    for (const text of ['', 'Inter-|   Receive\n face |bytes', 'sl local_address\n']) {
      const r = parseProcNetTcp(text, 4, 'LE');
      assert.strictEqual(r.ok, false, JSON.stringify(text));
      if (!r.ok) assert.match(r.error, /not a \/proc\/net\/tcp table/);
    }
    assert.match((parseProcNetTcp('garbage', 6, 'LE') as { error: string }).error, /tcp6/);
  });

  it('skips malformed lines and addresses of the wrong family, with the line number', () => {
    const text = [
      HEADER4,
      line4('0100007F:1F90', '00000000:0000', '0A', 7),
      '   1: 0100007F:1F9 00000000:0000 0A truncated',
      line4('00000000000000000000000001000000:1F90', '00000000000000000000000000000000:0000', '0A', 8),
      line4('0100007F:0050', '00000000:0000', '0A', 99999999999999999999),
      line4('0100007F:0051', '00000000:0000', 'FF', 9),
      '',
    ].join('\n');
    const r = parseProcNetTcp(text, 4, 'LE');
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepStrictEqual(
      r.sockets.map((s) => `${s.localPort} ${s.state}`),
      ['8080 LISTEN', '81 UNKNOWN(0xFF)'],
    );
    assert.deepStrictEqual(r.skipped, [
      { line: 3, reason: 'does not match the socket line format' },
      { line: 4, reason: 'address is 32 hex digits, expected 8 for IPv4' },
      { line: 5, reason: 'uid or inode out of range' },
    ]);
  });

  it('accepts Windows line endings and trailing blanks', () => {
    const r = parseProcNetTcp(`${HEADER4}\r\n${line4('0100007F:1F90', '00000000:0000', '0A', 7)}\r\n`, 4, 'LE');
    assert.ok(r.ok && r.sockets.length === 1 && r.skipped.length === 0);
  });
});

describe('listening ports per process', () => {
  const fds = procFdReader(AI_ROOT);
  const all = (): TcpSocket[] => [...sockets(TCP, 4), ...sockets(TCP6, 6)];

  it('reads socket inodes from fd links', () => {
    assert.deepStrictEqual(
      socketInodes(['/dev/null', 'socket:[41001]', 'pipe:[3]', 'socket:[7]', 'anon_inode:[eventpoll]', 'socket:[x]']),
      [41001, 7],
    );
  });

  it('maps LISTEN sockets to their processes, not ESTABLISHED ones', () => {
    const r = listeningPortsByPid(
      all(),
      [AI.server, AI.extHost, AI.webServer, AI.playwrightMcpNode, AI.devtoolsMcpLeaked, AI.claudeNew, AI.copilotLs],
      fds,
    );
    assert.deepStrictEqual(Object.fromEntries(r.byPid), {
      [AI.server]: [{ port: 18080, address: '127.0.0.1', family: 4, inode: 41001 }], // its ESTABLISHED 41011 is not listed
      [AI.extHost]: [{ port: 54321, address: '127.0.0.1', family: 4, inode: 41002 }],
      [AI.webServer]: [{ port: 3000, address: '::', family: 6, inode: 41003 }],
      [AI.playwrightMcpNode]: [{ port: 8931, address: '127.0.0.1', family: 4, inode: 41004 }],
      [AI.devtoolsMcpLeaked]: [{ port: 8080, address: '::ffff:127.0.0.1', family: 6, inode: 41014 }],
    });
    assert.deepStrictEqual(r.problems, []);
  });

  it('reports processes whose fds cannot be read', () => {
    const r = listeningPortsByPid(all(), [AI.grep, AI.server], fds);
    assert.deepStrictEqual(r.problems, [{ pid: AI.grep, reason: 'process exited' }]);
    assert.deepStrictEqual([...r.byPid.keys()], [AI.server]);
  });

  it('sorts ports and lists a socket once per process', () => {
    const dup: FdReader = (): FdLinks => ({ ok: true, links: ['socket:[41004]', 'socket:[41001]', 'socket:[41001]', 'socket:[41003]'] });
    assert.deepStrictEqual(
      listeningPortsByPid(all(), [5], dup)
        .byPid.get(5)!
        .map((p) => `${p.address}:${p.port}`),
      [':::3000', '127.0.0.1:8931', '127.0.0.1:18080'],
    );
  });

  it('reads the tables from a proc root and maps the members of the AI trees', async () => {
    const snap = await scanAi();
    const model = aiModelOf(snap);
    const members = model.trees.flatMap((t) => t.memberPids);
    const r = readListeningPorts(members, { procRoot: AI_ROOT, order: 'LE' });
    assert.deepStrictEqual([...r.byPid.keys()].sort(), [AI.playwrightMcpNode, AI.devtoolsMcpLeaked].sort());
    // members without an fd folder in the fixture are reported, not fatal
    assert.ok(r.problems.every((p) => p.reason === 'process exited'));
  });

  it('tolerates a missing tcp6 (IPv6 disabled) but reports a missing or broken tcp', () => {
    const noV6 = readTcpSockets(AI_ROOT, new FaultyProcFs({ [`${AI_ROOT}/net/tcp6`]: 'ENOENT' }), 'LE');
    assert.strictEqual(noV6.sockets.length, 8);
    assert.deepStrictEqual(noV6.problems, []);
    const noV4 = readTcpSockets(AI_ROOT, new FaultyProcFs({ [`${AI_ROOT}/net/tcp`]: 'EACCES' }), 'LE');
    assert.strictEqual(noV4.sockets.length, 4);
    assert.deepStrictEqual(noV4.problems, [{ file: `${AI_ROOT}/net/tcp`, reason: 'EACCES' }]);
    const missing = readTcpSockets('/nonexistent-proc', undefined, 'LE');
    assert.deepStrictEqual(missing.problems, [{ file: '/nonexistent-proc/net/tcp', reason: 'ENOENT' }]);
  });
});
