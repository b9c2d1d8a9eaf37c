/**
 * POSIX.1-2001 (pax) tar headers, written here rather than with tar-stream: tar-stream 3.2
 * encodes pax values as UTF-8 strings (names that are not UTF-8 cannot round-trip) and keeps
 * whole seconds only. Every header is a ustar block; a pax `x` block goes before it when a value
 * does not fit ustar: long or non-ASCII path/linkpath (raw bytes, `hdrcharset=BINARY` when not
 * UTF-8), sub-second or negative mtime, sizes ≥ 8 GiB, large ids, xattrs (`SCHILY.xattr.*`).
 * IEEE Std 1003.1-2001 `pax` "ustar Interchange Format" and "pax Extended Header".
 */

export type TarType = 'file' | 'hardlink' | 'symlink' | 'chardev' | 'blockdev' | 'dir' | 'fifo';

const TYPEFLAG: Record<TarType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  chardev: '3',
  blockdev: '4',
  dir: '5',
  fifo: '6',
};

export interface TarEntry {
  path: Buffer;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  size: number;
  mtimeNs: bigint;
  atimeNs?: bigint;
  linkpath?: Buffer;
  devmajor?: number;
  devminor?: number;
  xattrs?: readonly { name: string; value: Uint8Array }[];
}

export const BLOCK = 512;

function octal(value: number, width: number): string | undefined {
  const s = value.toString(8);
  return s.length > width - 1 ? undefined : s.padStart(width - 1, '0');
}

function isAscii(b: Buffer): boolean {
  for (const c of b) if (c >= 0x80 || c === 0) return false;
  return true;
}

function isUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/** one pax record: "<len> key=value\n" where len counts the whole record */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function nsString(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  const sec = a / 1_000_000_000n;
  const frac = (a % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${sec}${frac ? '.' + frac : ''}`;
}

function ustar(e: TarEntry, name: Buffer, prefix: Buffer, typeflag: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  name.copy(h, 0, 0, Math.min(100, name.length));
  h.write(octal(e.mode & 0o7777, 8)!, 100, 'ascii');
  h.write(octal(e.uid, 8) ?? '0000000', 108, 'ascii');
  h.write(octal(e.gid, 8) ?? '0000000', 116, 'ascii');
  h.write(octal(size, 12) ?? '00000000000', 124, 'ascii');
  const sec = Number(e.mtimeNs / 1_000_000_000n);
  h.write(octal(Math.max(0, sec), 12) ?? '00000000000', 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(typeflag, 156, 'ascii');
  if (e.linkpath && e.linkpath.length <= 100 && isAscii(e.linkpath)) e.linkpath.copy(h, 157);
  h.write('ustar\x0000', 257, 'binary');
  if (e.uname && Buffer.byteLength(e.uname) <= 32) h.write(e.uname, 265);
  if (e.gname && Buffer.byteLength(e.gname) <= 32) h.write(e.gname, 297);
  h.write(octal(e.devmajor ?? 0, 8) ?? '0000000', 329, 'ascii');
  h.write(octal(e.devminor ?? 0, 8) ?? '0000000', 337, 'ascii');
  prefix.copy(h, 345, 0, Math.min(155, prefix.length));
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7)! + '\0', 148, 'ascii');
  return h;
}

/** split into ustar prefix/name when the path is ASCII and fits; undefined otherwise */
function splitUstar(path: Buffer): [Buffer, Buffer] | undefined {
  if (!isAscii(path)) return undefined;
  if (path.length <= 100) return [Buffer.alloc(0), path];
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== 0x2f) continue;
    const prefix = path.subarray(0, i);
    const name = path.subarray(i + 1);
    if (prefix.length <= 155 && name.length <= 100 && name.length > 0) return [prefix, name];
  }
  return undefined;
}

/** the header block(s) for one entry; the caller writes the content and pads to 512 */
export function encodeHeader(e: TarEntry): Buffer {
  const path =
    e.type === 'dir' && e.path[e.path.length - 1] !== 0x2f
      ? Buffer.concat([e.path, Buffer.from('/')])
      : e.path;
  const size = e.type === 'file' ? e.size : 0;
  const records: Buffer[] = [];
  const split = splitUstar(path);
  let binary = false;
  if (!split) {
    records.push(paxRecord('path', path));
    if (!isUtf8(path)) binary = true;
  }
  if (e.linkpath && (e.linkpath.length > 100 || !isAscii(e.linkpath))) {
    records.push(paxRecord('linkpath', e.linkpath));
    if (!isUtf8(e.linkpath)) binary = true;
  }
  if (e.mtimeNs % 1_000_000_000n !== 0n || e.mtimeNs < 0n)
    records.push(paxRecord('mtime', Buffer.from(nsString(e.mtimeNs))));
  if (e.atimeNs !== undefined && e.atimeNs !== e.mtimeNs)
    records.push(paxRecord('atime', Buffer.from(nsString(e.atimeNs))));
  if (octal(size, 12) === undefined) records.push(paxRecord('size', Buffer.from(String(size))));
  if (octal(e.uid, 8) === undefined) records.push(paxRecord('uid', Buffer.from(String(e.uid))));
  if (octal(e.gid, 8) === undefined) records.push(paxRecord('gid', Buffer.from(String(e.gid))));
  if (e.uname && Buffer.byteLength(e.uname) > 32)
    records.push(paxRecord('uname', Buffer.from(e.uname)));
  if (e.gname && Buffer.byteLength(e.gname) > 32)
    records.push(paxRecord('gname', Buffer.from(e.gname)));
  for (const x of e.xattrs ?? [])
    records.push(paxRecord(`SCHILY.xattr.${x.name}`, Buffer.from(x.value)));
  if (binary) records.unshift(paxRecord('hdrcharset', Buffer.from('BINARY')));
  const [prefix, name] = split ?? [Buffer.alloc(0), Buffer.from('@LongName')];
  const main = ustar(e, name, prefix, TYPEFLAG[e.type], size);
  if (records.length === 0) return main;
  const body = Buffer.concat(records);
  const paxHead = ustar(
    { ...e, mode: 0o644, linkpath: undefined, devmajor: 0, devminor: 0 },
    Buffer.from('PaxHeader'),
    Buffer.alloc(0),
    'x',
    body.length,
  );
  return Buffer.concat([paxHead, body, Buffer.alloc(padding(body.length)), main]);
}

export function padding(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}

/** two zero blocks end an archive */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);
