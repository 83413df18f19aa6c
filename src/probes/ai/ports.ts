// Listening TCP ports per process: a checked parser for /proc/net/tcp and /proc/net/tcp6, and the mapping of LISTEN
// sockets to processes through the `socket:[inode]` links in /proc/PID/fd. Pure apart from the injected readers.
//
// Format (kernel net/ipv4/tcp_ipv4.c and net/ipv6/tcp_ipv6.c, see proc(5)): a header line, then per socket
// `sl: local_address:port rem_address:port st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …`. Addresses
// are the raw in-memory words printed with %08X — so on a little-endian host 127.0.0.1 reads 0100007F — an IPv4
// address is one word, an IPv6 address four; ports are %04X in host order. State 0A is LISTEN.
import * as os from 'os';
import { NodeProcFs, ProcFs, errCode } from '../procFs';
import { FdReader, procFdReader } from './sessions';

export type ByteOrder = 'LE' | 'BE';

const STATES: Record<number, string> = {
  0x01: 'ESTABLISHED',
  0x02: 'SYN_SENT',
  0x03: 'SYN_RECV',
  0x04: 'FIN_WAIT1',
  0x05: 'FIN_WAIT2',
  0x06: 'TIME_WAIT',
  0x07: 'CLOSE',
  0x08: 'CLOSE_WAIT',
  0x09: 'LAST_ACK',
  0x0a: 'LISTEN',
  0x0b: 'CLOSING',
  0x0c: 'NEW_SYN_RECV',
};
export const TCP_LISTEN = 0x0a;
export const TCP_ESTABLISHED = 0x01;

export interface TcpSocket {
  family: 4 | 6;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  stateCode: number;
  /** ESTABLISHED, LISTEN, …; `UNKNOWN(0x..)` for a code this table does not know. */
  state: string;
  uid: number;
  /** 0 for sockets no process owns (TIME_WAIT, request sockets). */
  inode: number;
}

export type NetParse = { ok: true; sockets: TcpSocket[]; skipped: { line: number; reason: string }[] } | { ok: false; error: string };

/** Bytes of the address as the kernel printed it: each %08X word holds 4 bytes in host order. */
function addressBytes(hex: string, order: ByteOrder): number[] {
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = [0, 2, 4, 6].map((i) => parseInt(hex.slice(w + i, w + i + 2), 16));
    bytes.push(...(order === 'LE' ? word.reverse() : word));
  }
  return bytes;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`, `::ffff:a.b.c.d`. */
export function formatIPv6(bytes: readonly number[]): string {
  if (bytes.length !== 16) throw new Error('an IPv6 address has 16 bytes');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** `0100007F` → 127.0.0.1 (LE), 32 hex digits → IPv6 text. */
export function formatHexAddress(hex: string, order: ByteOrder = os.endianness()): string {
  const bytes = addressBytes(hex, order);
  return bytes.length === 4 ? bytes.join('.') : formatIPv6(bytes);
}

const HEADER =
  /^\s*sl\s+local_address\s+(rem_address|remote_address)\s+st\s+tx_queue\s+rx_queue\s+tr\s+tm->when\s+retrnsmt\s+uid\s+timeout\s+inode\b/;
const LINE =
  /^\s*(\d+):\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{2})\s+[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8}\s+[0-9A-Fa-f]{2}:[0-9A-Fa-f]{8}\s+[0-9A-Fa-f]{8}\s+(\d+)\s+(-?\d+)\s+(\d+)(?:\s|$)/;

/** Parses /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6). A bad header fails; a bad line is skipped with why. */
export function parseProcNetTcp(text: string, family: 4 | 6, order: ByteOrder = os.endianness()): NetParse {
  const lines = text.split('\n');
  if (!HEADER.test(lines[0] ?? ''))
    return {
      ok: false,
      error: `not a /proc/net/tcp${family === 6 ? '6' : ''} table (header: ${JSON.stringify((lines[0] ?? '').slice(0, 60))})`,
    };
  const hexLen = family === 4 ? 8 : 32;
  const sockets: TcpSocket[] = [];
  const skipped: { line: number; reason: string }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const m = LINE.exec(line);
    if (!m) {
      skipped.push({ line: i + 1, reason: 'does not match the socket line format' });
      continue;
    }
    if (m[2].length !== hexLen || m[4].length !== hexLen) {
      skipped.push({ line: i + 1, reason: `address is ${m[2].length} hex digits, expected ${hexLen} for IPv${family}` });
      continue;
    }
    const stateCode = parseInt(m[6], 16);
    const uid = Number(m[7]);
    const inode = Number(m[9]);
    if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(inode)) {
      skipped.push({ line: i + 1, reason: 'uid or inode out of range' });
      continue;
    }
    sockets.push({
      family,
      localAddress: formatHexAddress(m[2], order),
      localPort: parseInt(m[3], 16),
      remoteAddress: formatHexAddress(m[4], order),
      remotePort: parseInt(m[5], 16),
      stateCode,
      state: STATES[stateCode] ?? `UNKNOWN(0x${m[6].toUpperCase()})`,
      uid,
      inode,
    });
  }
  return { ok: true, sockets, skipped };
}

/** Inodes of the sockets among fd link targets (`socket:[12345]`). */
export function socketInodes(links: readonly string[]): number[] {
  const out: number[] = [];
  for (const l of links) {
    const m = /^socket:\[(\d+)\]$/.exec(l);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

export interface ListeningPort {
  port: number;
  /** 127.0.0.1, 0.0.0.0, ::1, ::, ::ffff:127.0.0.1, … */
  address: string;
  family: 4 | 6;
  inode: number;
}

export interface PortProblem {
  pid?: number;
  file?: string;
  reason: string;
}

export interface PortsResult {
  /** Only pids with at least one listening port; ports sorted by port, then address. */
  byPid: Map<number, ListeningPort[]>;
  problems: PortProblem[];
}

const indexes = new WeakMap<readonly TcpSocket[], Map<number, TcpSocket>>();

/** LISTEN and ESTABLISHED sockets by inode, built once per sockets table (callers map pids in slices). */
function indexOf(sockets: readonly TcpSocket[]): Map<number, TcpSocket> {
  let byInode = indexes.get(sockets);
  if (!byInode) {
    byInode = new Map();
    for (const s of sockets) if (s.inode > 0 && (s.stateCode === TCP_LISTEN || s.stateCode === TCP_ESTABLISHED)) byInode.set(s.inode, s);
    indexes.set(sockets, byInode);
  }
  return byInode;
}

export interface SocketsResult extends PortsResult {
  /** Connected (ESTABLISHED) TCP sockets per pid that could be read (0 included): evidence of a live peer. */
  established: Map<number, number>;
}

/**
 * Maps the TCP sockets of the given processes (any pid set: AI trees, the whole code-server tree) through their socket
 * fds: LISTEN ones as ports, ESTABLISHED ones counted. A socket shared by several processes (inherited across fork) is
 * listed for each of them. A pid whose fds cannot be read is a problem and has no `established` entry (unknown).
 */
export function socketsByPid(sockets: readonly TcpSocket[], pids: Iterable<number>, readFds: FdReader): SocketsResult {
  const byInode = indexOf(sockets);
  const byPid = new Map<number, ListeningPort[]>();
  const established = new Map<number, number>();
  const problems: PortProblem[] = [];
  for (const pid of pids) {
    const fds = readFds(pid);
    if (!fds.ok) {
      problems.push({ pid, reason: fds.reason });
      continue;
    }
    const ports: ListeningPort[] = [];
    let connected = 0;
    for (const inode of new Set(socketInodes(fds.links))) {
      const s = byInode.get(inode);
      if (s?.stateCode === TCP_LISTEN) ports.push({ port: s.localPort, address: s.localAddress, family: s.family, inode });
      else if (s) connected++;
    }
    established.set(pid, connected);
    if (ports.length)
      byPid.set(
        pid,
        ports.sort((a, b) => a.port - b.port || a.address.localeCompare(b.address)),
      );
  }
  return { byPid, established, problems };
}

/** Maps LISTEN sockets to the given processes through their socket fds (see socketsByPid). */
export function listeningPortsByPid(sockets: readonly TcpSocket[], pids: Iterable<number>, readFds: FdReader): PortsResult {
  const { byPid, problems } = socketsByPid(sockets, pids, readFds);
  return { byPid, problems };
}

/** Reads and parses `<procRoot>/net/tcp` and `tcp6` (a missing tcp6 — IPv6 disabled — is not a problem). */
export function readTcpSockets(
  procRoot = '/proc',
  procFs: ProcFs = new NodeProcFs(),
  order: ByteOrder = os.endianness(),
): { sockets: TcpSocket[]; problems: PortProblem[] } {
  const sockets: TcpSocket[] = [];
  const problems: PortProblem[] = [];
  for (const family of [4, 6] as const) {
    const file = `${procRoot}/net/tcp${family === 6 ? '6' : ''}`;
    let text: string;
    try {
      text = procFs.readText(file);
    } catch (e) {
      const code = errCode(e);
      if (!(family === 6 && code === 'ENOENT')) problems.push({ file, reason: code });
      continue;
    }
    const parsed = parseProcNetTcp(text, family, order);
    if (!parsed.ok) {
      problems.push({ file, reason: parsed.error });
      continue;
    }
    sockets.push(...parsed.sockets);
    for (const s of parsed.skipped) problems.push({ file, reason: `line ${s.line}: ${s.reason}` });
  }
  return { sockets, problems };
}

export interface PortsOptions {
  procRoot?: string;
  procFs?: ProcFs;
  readFds?: FdReader;
  order?: ByteOrder;
}

/** Listening ports and connected-socket counts of the given processes (any pid set), read from a proc root. */
export function readSockets(pids: Iterable<number>, options: PortsOptions = {}): SocketsResult {
  const procRoot = options.procRoot ?? '/proc';
  const procFs = options.procFs ?? new NodeProcFs();
  const net = readTcpSockets(procRoot, procFs, options.order);
  const mapped = socketsByPid(net.sockets, pids, options.readFds ?? procFdReader(procRoot, procFs));
  return { ...mapped, problems: [...net.problems, ...mapped.problems] };
}

/** Listening ports of the given processes (e.g. the members of the AI trees), read from a proc root. */
export function readListeningPorts(pids: Iterable<number>, options: PortsOptions = {}): PortsResult {
  const { byPid, problems } = readSockets(pids, options);
  return { byPid, problems };
}
