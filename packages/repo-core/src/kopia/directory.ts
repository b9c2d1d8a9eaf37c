/**
 * Directory objects (`kopia:directory` JSON, possibly indirect and large) read one entry at a
 * time into model Entries: Go FileMode bits mapped to POSIX (setuid is 1<<23, not 0o4000),
 * RFC 3339 times to nanoseconds, owners, summaries; symlink targets are read from their
 * objects. spec §16; kopia snapshot/manifest.go (DirEntry, Permissions), fs/entry.go,
 * snapshot/snapshotfs/dir_reader.go
 */

import { IntegrityError } from '../errors.js';
import type { Entry, EntryType } from '../model.js';
import { parseObjectId, type ObjectId } from './ids.js';
import { asObject, field, type JsonObject } from './json.js';
import { arrayElements, parseSpan, topLevelSpans } from './json-scan.js';
import { MAX_METADATA_OBJECT, type ObjectReader } from './object-reader.js';
import { parseTimeNs } from '../util/rfc3339.js';

/** what a kopia Entry's `ref` holds */
export interface KopiaEntryRef {
  readonly kind: 'kopia';
  readonly objectId: ObjectId | undefined;
  /** the stored `type` letter */
  readonly storedType: string;
  /** `summ` of a directory entry (or the document summary) */
  readonly summary?: JsonObject;
}

const GO_SETUID = 1 << 23;
const GO_SETGID = 1 << 22;
const GO_STICKY = 1 << 20;

/** Go os.FileMode permission bits → POSIX mode bits (no type bits) */
export function posixMode(goMode: number): number {
  let m = goMode & 0o777;
  if (goMode & GO_SETUID) m |= 0o4000;
  if (goMode & GO_SETGID) m |= 0o2000;
  if (goMode & GO_STICKY) m |= 0o1000;
  return m;
}

/** strconv.ParseInt(s, 0, 32): `0x`/`0o`/`0b`/leading-`0` prefixes, underscores allowed */
export function parseGoInt(s: string): number | undefined {
  // the form kopia writes ("0644", "020000000755"): plain octal digits after a leading 0
  if (s.length > 1 && s.length <= 11 && s.charCodeAt(0) === 0x30) {
    let v = 0;
    for (let i = 1; i < s.length; i++) {
      const d = s.charCodeAt(i) - 0x30;
      if (d < 0 || d > 7) return parseGoIntSlow(s);
      v = v * 8 + d;
    }
    return v < 2 ** 31 ? v : undefined;
  }
  return parseGoIntSlow(s);
}

function parseGoIntSlow(s: string): number | undefined {
  let t = s;
  let neg = false;
  if (t.startsWith('+') || t.startsWith('-')) {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  let base = 10;
  const lower = t.toLowerCase();
  if (lower.startsWith('0x')) [base, t] = [16, t.slice(2)];
  else if (lower.startsWith('0o')) [base, t] = [8, t.slice(2)];
  else if (lower.startsWith('0b')) [base, t] = [2, t.slice(2)];
  else if (t.length > 1 && t.startsWith('0')) [base, t] = [8, t.slice(1)];
  t = t.replaceAll('_', '');
  const digits = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^\d+$/, 16: /^[0-9a-f]+$/i }[base]!;
  if (!digits.test(t)) return undefined;
  const v = Number.parseInt(t, base) * (neg ? -1 : 1);
  return v >= -(2 ** 31) && v < 2 ** 31 ? v : undefined;
}

/**
 * A directory of up to this many characters is parsed with one JSON.parse (2-3x faster than
 * scanning it); a larger one is scanned and parsed one entry at a time (json-scan.ts).
 */
const WHOLE_TEXT_MAX = 4 * 1024 * 1024;

const TYPES: Record<string, EntryType> = { f: 'file', d: 'dir', s: 'symlink' };
const encoder = new TextEncoder();
const MAX_LINK_TARGET = 64 * 1024;

function int(o: JsonObject, key: string, what: string, min: number, max: number): number {
  const v = field(o, key) ?? 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new IntegrityError(`${what}: invalid "${key}"`);
  }
  return v;
}

/** one stored directory entry (§16.2) → model Entry (without the symlink target) */
export function toEntry(raw: unknown, what: string): Entry {
  const e = asObject(raw, what);
  const name = field(e, 'name') ?? '';
  if (typeof name !== 'string') throw new IntegrityError(`${what}: entry name is not a string`);
  const storedType = field(e, 'type') ?? '';
  if (typeof storedType !== 'string') throw new IntegrityError(`${what}: entry type`);
  const modeStr = field(e, 'mode');
  let goMode = 0;
  if (modeStr !== undefined && modeStr !== null) {
    const m = typeof modeStr === 'string' ? parseGoInt(modeStr) : undefined;
    if (m === undefined)
      throw new IntegrityError(`${what}: invalid mode ${JSON.stringify(modeStr)}`);
    goMode = m;
  }
  const mtime = field(e, 'mtime');
  let mtimeNs = 0n;
  if (typeof mtime === 'string') {
    const t = parseTimeNs(mtime);
    if (t === undefined)
      throw new IntegrityError(`${what}: invalid mtime ${JSON.stringify(mtime)}`);
    mtimeNs = t;
  }
  const obj = field(e, 'obj');
  let objectId: ObjectId | undefined;
  if (typeof obj === 'string' && obj !== '') {
    parseObjectId(obj);
    objectId = obj as ObjectId;
  }
  const type = TYPES[storedType] ?? 'unknown';
  const size = int(e, 'size', what, 0, Number.MAX_SAFE_INTEGER);
  const summ = field(e, 'summ');
  const ref: KopiaEntryRef = {
    kind: 'kopia',
    objectId,
    storedType,
    ...(summ && typeof summ === 'object' ? { summary: summ as JsonObject } : {}),
  };
  return {
    name: encoder.encode(name),
    displayName: name,
    type,
    mode: posixMode(goMode),
    uid: int(e, 'uid', what, 0, 0xffffffff),
    gid: int(e, 'gid', what, 0, 0xffffffff),
    size: type === 'file' ? size : 0,
    mtimeNs,
    ...(objectId ? { contentId: objectId } : {}),
    ref,
  };
}

/** read a symlink's target from its object */
export async function withLinkTarget(objects: ObjectReader, entry: Entry): Promise<Entry> {
  const ref = entry.ref as KopiaEntryRef;
  if (entry.type !== 'symlink' || !ref.objectId) return entry;
  const target = await objects.readAll(ref.objectId, MAX_LINK_TARGET);
  return { ...entry, linkTarget: target };
}

export interface DirectoryDocument {
  readonly summary: JsonObject | undefined;
  /** the entries, parsed lazily one at a time */
  entries(): Generator<Entry>;
}

/** a directory object's bytes, verified, not yet parsed */
export function directoryBytes(objects: ObjectReader, oid: ObjectId): Promise<Uint8Array> {
  return objects.readAll(oid, MAX_METADATA_OBJECT);
}

/** read and check a directory object; entries are parsed as they are iterated */
export async function readDirectory(
  objects: ObjectReader,
  oid: ObjectId,
  /** the object's bytes, already being read (directoryBytes) */
  prefetched?: Promise<Uint8Array>,
): Promise<DirectoryDocument> {
  const what = `directory ${oid}`;
  const bytes = await (prefetched ?? directoryBytes(objects, oid));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new IntegrityError(`${what} is not UTF-8`, { objectId: oid }, { cause: e });
  }
  return parseDirectoryText(text, what, oid);
}

/** a directory document's text; scanned entry by entry when longer than `wholeMax` chars */
export function parseDirectoryText(
  text: string,
  what: string,
  oid: ObjectId,
  wholeMax = WHOLE_TEXT_MAX,
): DirectoryDocument {
  if (text.length <= wholeMax) return wholeDocument(text, what, oid);
  const spans = topLevelSpans(text, what);
  const streamSpan = spans.get('stream');
  const stream = streamSpan ? parseSpan(text, streamSpan, what) : undefined;
  checkStream(stream, what, oid);
  const summarySpan = spans.get('summary');
  const summary = summarySpan ? parseSpan(text, summarySpan, what) : undefined;
  const entriesSpan = spans.get('entries');
  return {
    summary: summary && typeof summary === 'object' ? (summary as JsonObject) : undefined,
    *entries() {
      if (!entriesSpan) return;
      for (const span of arrayElements(text, entriesSpan, what)) {
        yield toEntry(parseSpan(text, span, what), what);
      }
    },
  };
}

function checkStream(stream: unknown, what: string, oid: ObjectId): void {
  if (stream !== 'kopia:directory') {
    throw new IntegrityError(`${what}: stream is ${JSON.stringify(stream)}, not kopia:directory`, {
      objectId: oid,
    });
  }
}

/** a directory of up to WHOLE_TEXT_MAX characters, parsed with one JSON.parse */
function wholeDocument(text: string, what: string, oid: ObjectId): DirectoryDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new IntegrityError(`${what}: invalid JSON`, {}, { cause: e });
  }
  const o = asObject(doc, what);
  checkStream(field(o, 'stream'), what, oid);
  const summary = field(o, 'summary');
  const entries = field(o, 'entries') ?? null;
  if (entries !== null && !Array.isArray(entries))
    throw new IntegrityError(`${what}: array expected`);
  return {
    summary: summary && typeof summary === 'object' ? (summary as JsonObject) : undefined,
    *entries() {
      if (entries) for (const e of entries as unknown[]) yield toEntry(e, what);
    },
  };
}
