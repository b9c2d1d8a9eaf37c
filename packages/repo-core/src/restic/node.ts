/**
 * A restic tree node (spec §12; restic internal/data/node.go) turned into a model `Entry`:
 * Go-quoted name to raw bytes (§12.2), type from `type` and permission bits from `mode` (§12.3),
 * times as BigInt nanoseconds (§12.4), symlink target from `linktarget_raw` when present (§12.5),
 * Linux major/minor from `device` (§12.6), xattrs (§12.7), hard-link key from device_id+inode.
 */

import { IntegrityError } from '../errors.js';
import type { DeviceNumber, Entry, EntryType, ExtendedAttribute } from '../model.js';
import { goUnquote } from './go-quote.js';
import { sha256 } from '../crypto/sha256.js';
import { fromBase64, isHex64, toHex } from './ids.js';
import { parseWithBigInts } from './json-scan.js';
import { parseTimeNs } from '../util/rfc3339.js';

/** What a restic Entry's `ref` holds. */
export type ResticRef =
  | { readonly kind: 'dir'; readonly subtree: string }
  | { readonly kind: 'file'; readonly content: readonly string[] }
  | { readonly kind: 'other' };

export interface RawNode {
  name?: unknown;
  type?: unknown;
  mode?: unknown;
  mtime?: unknown;
  atime?: unknown;
  ctime?: unknown;
  uid?: unknown;
  gid?: unknown;
  user?: unknown;
  group?: unknown;
  inode?: unknown;
  device_id?: unknown;
  size?: unknown;
  links?: unknown;
  linktarget?: unknown;
  linktarget_raw?: unknown;
  extended_attributes?: unknown;
  device?: unknown;
  content?: unknown;
  subtree?: unknown;
}

export const BIG_KEYS = ['inode', 'device_id', 'device', 'size', 'links'] as const;

// Go os.FileMode bits (spec §12.3)
const GO_SETUID = 1 << 23;
const GO_SETGID = 1 << 22;
const GO_STICKY = 1 << 20;

const TYPES: Record<string, EntryType> = {
  file: 'file',
  dir: 'dir',
  symlink: 'symlink',
  dev: 'blockdev',
  chardev: 'chardev',
  fifo: 'fifo',
  socket: 'socket',
};

const dec = new TextDecoder();
const enc = new TextEncoder();

function big(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  const b = big(v);
  return b === undefined ? undefined : Number(b);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** POSIX permission bits (incl. setuid/setgid/sticky) from Go's os.FileMode. */
export function goModeToPosixPerm(goMode: number): number {
  let m = goMode & 0o777;
  if (goMode & GO_SETUID) m |= 0o4000;
  if (goMode & GO_SETGID) m |= 0o2000;
  if (goMode & GO_STICKY) m |= 0o1000;
  return m;
}

/** Linux (glibc) major/minor of st_rdev (spec §12.6). */
export function linuxDevice(raw: bigint): DeviceNumber {
  const major = ((raw >> 8n) & 0xfffn) | ((raw >> 32n) & ~0xfffn);
  const minor = (raw & 0xffn) | ((raw >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor), raw };
}

export function parseNodeText(text: string, where: string): Entry {
  let raw: RawNode;
  try {
    raw = parseWithBigInts(text, BIG_KEYS) as RawNode;
  } catch (e) {
    throw new IntegrityError(`${where}: a node is not valid JSON`, { where }, { cause: e });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new IntegrityError(`${where}: a node is not a JSON object`, { where });
  return nodeToEntry(raw, where);
}

export function nodeToEntry(raw: RawNode, where: string): Entry {
  const quoted = str(raw.name);
  if (quoted === undefined || quoted === '')
    throw new IntegrityError(`${where}: node with empty or missing name`, { where });
  const name = goUnquote(quoted);
  const typeName = str(raw.type) ?? '';
  const type = TYPES[typeName] ?? 'unknown';
  const goMode = num(raw.mode);
  const mode =
    goMode === undefined ? (type === 'dir' ? 0o755 : 0o644) : goModeToPosixPerm(goMode >>> 0);
  const links = num(raw.links);

  let ref: Entry['ref'] = { kind: 'other' } satisfies ResticRef;
  let contentId: string | undefined;
  if (type === 'dir') {
    const subtree = raw.subtree;
    if (!isHex64(subtree))
      throw new IntegrityError(`${where}: dir node ${quoted} has no subtree`, { where });
    ref = { kind: 'dir', subtree: subtree.toLowerCase() } satisfies ResticRef;
    contentId = subtree.toLowerCase();
  } else if (type === 'file') {
    const content = raw.content ?? [];
    if (!Array.isArray(content) || !content.every(isHex64))
      throw new IntegrityError(`${where}: file node ${quoted} has a bad content list`, { where });
    const ids = content.map((c) => c.toLowerCase());
    ref = { kind: 'file', content: ids } satisfies ResticRef;
    // one blob: its id names the content; more: a hash of the list (never equal to a blob id)
    contentId =
      ids.length === 1 ? `file:${ids[0]}` : `file:${toHex(sha256(enc.encode(ids.join(''))))}`;
  }

  let linkTarget: Uint8Array | undefined;
  if (type === 'symlink') {
    const rawTarget = str(raw.linktarget_raw);
    linkTarget =
      rawTarget !== undefined ? fromBase64(rawTarget) : enc.encode(str(raw.linktarget) ?? '');
  }

  let device: DeviceNumber | undefined;
  if (type === 'chardev' || type === 'blockdev') device = linuxDevice(big(raw.device) ?? 0n);

  let xattrs: ExtendedAttribute[] | undefined;
  if (Array.isArray(raw.extended_attributes)) {
    xattrs = [];
    for (const x of raw.extended_attributes as unknown[]) {
      if (typeof x !== 'object' || x === null) continue;
      const xa = x as { name?: unknown; value?: unknown };
      const n = str(xa.name);
      if (n === undefined) continue;
      const v = str(xa.value);
      xattrs.push({ name: n, value: v ? fromBase64(v) : new Uint8Array() });
    }
  }

  const mtimeNs = timeField(raw.mtime) ?? 0n;
  return {
    name,
    displayName: dec.decode(name),
    type,
    mode,
    uid: num(raw.uid),
    gid: num(raw.gid),
    user: str(raw.user),
    group: str(raw.group),
    size: type === 'file' ? (num(raw.size) ?? 0) : 0,
    mtimeNs,
    atimeNs: timeField(raw.atime),
    ctimeNs: timeField(raw.ctime),
    linkTarget,
    device,
    xattrs,
    links,
    hardlinkKey: type === 'file' && links !== undefined && links > 1 ? hardlinkKey(raw) : undefined,
    contentId,
    ref,
  };
}

function hardlinkKey(raw: RawNode): string | undefined {
  const inode = big(raw.inode);
  return inode === undefined ? undefined : `${big(raw.device_id) ?? 0n}:${inode}`;
}

function timeField(v: unknown): bigint | undefined {
  return typeof v === 'string' ? parseTimeNs(v) : undefined;
}
