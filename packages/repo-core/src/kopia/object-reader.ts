/**
 * Objects: a direct content, an object-level compressed (`Z`) content, or an indirect (`I…`)
 * JSON list of parts, possibly nested. Indirect lists are flattened to one sorted part table
 * so a ranged read fetches only the parts that cover the range; whole-object reads stream
 * parts in order with a bounded prefetch window.
 * spec §13; kopia repo/object/object_reader.go, indirect.go, objectid.go
 */

import { IntegrityError, UsageError } from '../errors.js';
import type { ByteRange } from '../model.js';
import { decompressPayload } from './compression.js';
import type { ContentReader } from './content-reader.js';
import { parseObjectId, type ContentId, type ObjectId } from './ids.js';
import { asObject, field, parseJson } from './json.js';

/** a direct piece of an object */
export interface ObjectPart {
  readonly start: number;
  readonly length: number;
  readonly content: ContentId;
  /** `Z`: the content is a compressed payload */
  readonly compressed: boolean;
}

const MAX_INDIRECTION = 8;
/** largest indirect list or directory document read into memory */
export const MAX_METADATA_OBJECT = 1024 * 1024 * 1024;
/** bound for one object-level (`Z`) compressed chunk */
const MAX_Z_CHUNK = 256 * 1024 * 1024;
const LIST_CACHE = 16;

export class ObjectReader {
  private readonly lists = new Map<string, ObjectPart[]>();

  constructor(readonly contents: ContentReader) {}

  /** the flattened part table of an object */
  async parts(oid: ObjectId | string, depth = 0): Promise<ObjectPart[]> {
    const p = parseObjectId(oid);
    if (p.indirection === 0) {
      if (p.compressed) {
        const data = await this.readPart({
          start: 0,
          length: -1,
          content: p.content,
          compressed: true,
        });
        return [{ start: 0, length: data.length, content: p.content, compressed: true }];
      }
      const info = this.contents.info(p.content);
      return [{ start: 0, length: info.originalLength, content: p.content, compressed: false }];
    }
    const cached = this.lists.get(oid);
    if (cached) return cached;
    if (depth > MAX_INDIRECTION) {
      throw new IntegrityError(`object ${oid}: indirection nested too deep`, { objectId: oid });
    }
    const listBytes = await this.readAll(oid.slice(1), MAX_METADATA_OBJECT, depth + 1);
    const entries = parseIndirectList(listBytes, oid);
    const out: ObjectPart[] = [];
    let pos = 0;
    for (const e of entries) {
      if (e.start !== pos) {
        throw new IntegrityError(`object ${oid}: indirect entries are not contiguous at ${pos}`, {
          objectId: oid,
        });
      }
      const sub = parseObjectId(e.object);
      if (sub.indirection > 0) {
        const inner = await this.parts(e.object, depth + 1);
        const innerLen = inner.length
          ? inner[inner.length - 1]!.start + inner[inner.length - 1]!.length
          : 0;
        if (innerLen !== e.length) {
          throw new IntegrityError(
            `object ${oid}: part ${e.object} is ${innerLen} bytes, list says ${e.length}`,
            {
              objectId: oid,
            },
          );
        }
        for (const q of inner) out.push({ ...q, start: q.start + pos });
      } else {
        out.push({
          start: pos,
          length: e.length,
          content: sub.content,
          compressed: sub.compressed,
        });
      }
      pos += e.length;
    }
    this.lists.set(oid, out);
    if (this.lists.size > LIST_CACHE) this.lists.delete(this.lists.keys().next().value!);
    return out;
  }

  /** total length of an object */
  async length(oid: ObjectId | string): Promise<number> {
    const parts = await this.parts(oid);
    const last = parts[parts.length - 1];
    return last ? last.start + last.length : 0;
  }

  /** one part's bytes, checked against the length the list promised */
  async readPart(part: ObjectPart): Promise<Uint8Array> {
    const data = await this.contents.get(part.content);
    return this.finishPart(part, data);
  }

  /** a fetched content made into its part: object-level decompression, length check */
  async finishPart(part: ObjectPart, raw: Uint8Array): Promise<Uint8Array> {
    let data = raw;
    if (part.compressed) {
      data = await decompressPayload(data, `object Z${part.content}`, {
        maxLength: part.length >= 0 ? part.length : MAX_Z_CHUNK,
        ...(part.length >= 0 ? { exactLength: part.length } : {}),
      });
    }
    if (part.length >= 0 && data.length !== part.length) {
      throw new IntegrityError(
        `content ${part.content} is ${data.length} bytes where its object says ${part.length}`,
        { contentId: part.content },
      );
    }
    return data;
  }

  /** a whole (small) object in memory: directories, indirect lists, symlink targets */
  async readAll(oid: ObjectId | string, maxLength: number, depth = 0): Promise<Uint8Array> {
    const parts = await this.parts(oid, depth);
    const last = parts[parts.length - 1];
    const total = last ? last.start + last.length : 0;
    if (total > maxLength) {
      throw new IntegrityError(
        `object ${oid} is ${total} bytes, more than ${maxLength} allowed here`,
        {
          objectId: oid,
        },
      );
    }
    if (parts.length === 1) return this.readPart(parts[0]!);
    const out = new Uint8Array(total);
    let i = 0;
    for await (const chunk of this.chunks(parts, 0, total, 4)) {
      out.set(chunk, i);
      i += chunk.length;
    }
    return out;
  }

  /**
   * The bytes [offset, end) of an object whose parts are `parts`, in order, fetching only the
   * covering parts, `concurrency` runs at a time.
   */
  async *chunks(
    parts: readonly ObjectPart[],
    offset: number,
    end: number,
    concurrency: number,
  ): AsyncIterable<Uint8Array> {
    if (end <= offset) return;
    // first part with start + length > offset
    let lo = 0;
    let hi = parts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = parts[mid]!;
      if (p.start + p.length <= offset) lo = mid + 1;
      else hi = mid;
    }
    const need: ObjectPart[] = [];
    for (let i = lo; i < parts.length && parts[i]!.start < end; i++) need.push(parts[i]!);
    const groups = this.contents.plan(need.map((p) => p.content));
    // map groups back to parts in order
    let k = 0;
    const batches = groups.map((g) => {
      const b = need.slice(k, k + g.length);
      k += g.length;
      return { infos: g, parts: b };
    });
    const window: Promise<Uint8Array[]>[] = [];
    let next = 0;
    const launch = () => {
      const b = batches[next++]!;
      const p = this.contents
        .fetchGroup(b.infos)
        .then((raws) => Promise.all(raws.map((r, i) => this.finishPart(b.parts[i]!, r))));
      p.catch(() => undefined);
      window.push(p);
    };
    const width = Math.max(1, concurrency);
    for (let bi = 0; bi < batches.length; bi++) {
      while (next < batches.length && window.length < width) launch();
      const datas = await window.shift()!;
      const b = batches[bi]!;
      for (let i = 0; i < datas.length; i++) {
        const p = b.parts[i]!;
        const d = datas[i]!;
        const s = Math.max(offset, p.start) - p.start;
        const e = Math.min(end, p.start + p.length) - p.start;
        yield s === 0 && e === d.length ? d : d.subarray(s, e);
      }
    }
  }

  /** a stream of an object's bytes (or a range of them) */
  stream(
    oid: ObjectId | string,
    range: ByteRange | undefined,
    concurrency: number,
    signal?: AbortSignal,
  ): ReadableStream<Uint8Array> {
    let it: AsyncIterator<Uint8Array> | undefined;
    const start = async (): Promise<AsyncIterator<Uint8Array>> => {
      const parts = await this.parts(oid);
      const last = parts[parts.length - 1];
      const total = last ? last.start + last.length : 0;
      const off = range?.offset ?? 0;
      if (!Number.isSafeInteger(off) || off < 0)
        throw new UsageError(`invalid range offset ${off}`);
      const end = range?.length === undefined ? total : Math.min(total, off + range.length);
      return this.chunks(parts, Math.min(off, total), end, concurrency)[Symbol.asyncIterator]();
    };
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (signal?.aborted) throw signal.reason;
        it ??= await start();
        const r = await it.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      async cancel() {
        await it?.return?.();
      },
    });
  }
}

interface IndirectEntry {
  start: number;
  length: number;
  object: string;
}

const MAX_ENTRIES = 64 * 1024 * 1024;

/** `{"stream":"kopia:indirect","entries":[{"s","l","o"}…]}` (first JSON value only) */
export function parseIndirectList(bytes: Uint8Array, oid: string): IndirectEntry[] {
  const what = `indirect list of object ${oid}`;
  const doc = asObject(parseJson(trimToFirstValue(bytes), what), what);
  const stream = field(doc, 'stream');
  if (stream !== 'kopia:indirect') {
    throw new IntegrityError(`${what}: stream is ${JSON.stringify(stream)}`, { objectId: oid });
  }
  const entries = field(doc, 'entries');
  if (!Array.isArray(entries) || entries.length > MAX_ENTRIES) {
    throw new IntegrityError(`${what}: no entries`, { objectId: oid });
  }
  return entries.map((raw: unknown) => {
    const e = asObject(raw, what);
    const s = field(e, 's') ?? 0;
    const l = field(e, 'l') ?? 0;
    const o = field(e, 'o');
    if (
      typeof s !== 'number' ||
      typeof l !== 'number' ||
      !Number.isSafeInteger(s) ||
      !Number.isSafeInteger(l) ||
      s < 0 ||
      l < 0 ||
      typeof o !== 'string'
    ) {
      throw new IntegrityError(`${what}: malformed entry`, { objectId: oid });
    }
    return { start: s, length: l, object: o };
  });
}

/** drop trailing whitespace (kopia writes a newline after the JSON value) */
export function trimToFirstValue(bytes: Uint8Array): Uint8Array {
  let n = bytes.length;
  while (
    n > 0 &&
    (bytes[n - 1] === 10 || bytes[n - 1] === 13 || bytes[n - 1] === 32 || bytes[n - 1] === 9)
  )
    n--;
  return bytes.subarray(0, n);
}
