/**
 * TEST-ONLY in-memory Repository built from a tree spec, for unit tests of the ops that need
 * hostile or unusual trees no real tool writes. Chunks are 64 KiB pieces identified by SHA-256
 * (like restic blobs); `reads` counts chunk fetches so resume tests can prove what was re-read.
 */
import { createHash } from 'node:crypto';
import type { ContentChunk, Entry, EntryType, Repository } from '../../src/model.js';

export interface SpecNode {
  name: string | Uint8Array;
  type?: EntryType;
  content?: Uint8Array | string;
  mode?: number;
  mtimeNs?: bigint;
  target?: string;
  children?: SpecNode[];
  hardlinkKey?: string;
  xattrs?: { name: string; value: Uint8Array }[];
  device?: { major: number; minor: number };
}

const CHUNK = 64 * 1024;

interface Ref {
  content: Uint8Array;
  children: Entry[];
}

export class MemoryRepo
  implements Pick<Repository, 'list' | 'open' | 'chunks' | 'chunkMatches' | 'prepareReads'>
{
  reads = 0;
  bytesRead = 0;
  /** fail (throw) after this many chunk reads; for abort/resume tests */
  failAfter = Infinity;
  /** calls of the prepareReads hint */
  prepared = 0;
  readonly root: Entry;

  constructor(children: SpecNode[], withChunkMatches = true) {
    this.root = this.build({ name: 'root', type: 'dir', children });
    if (!withChunkMatches) this.chunkMatches = undefined;
  }

  private build(n: SpecNode): Entry {
    const name = typeof n.name === 'string' ? new TextEncoder().encode(n.name) : n.name;
    const type = n.type ?? (n.children ? 'dir' : 'file');
    const content =
      typeof n.content === 'string'
        ? new TextEncoder().encode(n.content)
        : (n.content ?? new Uint8Array());
    const ref: Ref = { content, children: (n.children ?? []).map((c) => this.build(c)) };
    const mtimeNs = n.mtimeNs ?? 1_600_000_000_123_456_789n;
    return {
      name,
      displayName: new TextDecoder().decode(name),
      type,
      mode: n.mode ?? (type === 'dir' ? 0o755 : 0o644),
      size: type === 'file' ? content.length : 0,
      mtimeNs,
      atimeNs: mtimeNs,
      linkTarget: n.target !== undefined ? new TextEncoder().encode(n.target) : undefined,
      hardlinkKey: n.hardlinkKey,
      links: n.hardlinkKey ? 2 : 1,
      xattrs: n.xattrs,
      device: n.device,
      ref,
    };
  }

  prepareReads(): void {
    this.prepared++;
  }

  async *list(dir: Entry): AsyncIterable<Entry> {
    for (const c of (dir.ref as Ref).children) yield c;
  }

  async *chunks(file: Entry): AsyncIterable<ContentChunk> {
    const data = (file.ref as Ref).content;
    for (let off = 0; off < data.length; off += CHUNK) {
      const piece = data.subarray(off, Math.min(data.length, off + CHUNK));
      yield {
        id: createHash('sha256').update(piece).digest('hex'),
        offset: off,
        length: piece.length,
      };
    }
  }

  chunkMatches?: (chunk: ContentChunk, data: Uint8Array) => boolean = (chunk, data) =>
    createHash('sha256').update(data).digest('hex') === chunk.id;

  open(file: Entry, range?: { offset: number; length?: number }): ReadableStream<Uint8Array> {
    const data = (file.ref as Ref).content;
    const start = range?.offset ?? 0;
    const end =
      range?.length === undefined ? data.length : Math.min(data.length, start + range.length);
    let pos = start;
    return new ReadableStream<Uint8Array>({
      pull: (ctrl) => {
        if (pos >= end) return ctrl.close();
        if (this.reads >= this.failAfter) return ctrl.error(new Error('injected read failure'));
        const chunkEnd = Math.min(end, (Math.floor(pos / CHUNK) + 1) * CHUNK);
        this.reads++;
        this.bytesRead += chunkEnd - pos;
        ctrl.enqueue(data.slice(pos, chunkEnd));
        pos = chunkEnd;
      },
    });
  }
}
