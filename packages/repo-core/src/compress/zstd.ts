/**
 * zstd frame decoding (RFC 8878) for restic v2 blobs and unpacked files (restic spec §7, §8.5)
 * and kopia's zstd compressors. Decode only, bounded: the caller passes the largest output it
 * accepts, and frame headers are checked against it before any output buffer is allocated.
 *
 * Decoder choice (measured in bench/RESULTS.md, "restic index and crypto" and "restore"): the
 * system's libzstd through the native helper (util/native-addon.ts; 2.3x the WASM build on
 * zstd -3 text), accepted once it decodes a known frame; else the WASM build of libzstd in
 * @bokuweb/zstd-wasm (it grows its memory, unlike zstd-codec's fixed 16 MiB heap); `fzstd` (pure
 * JS) where WASM cannot load either. Frames made only of Raw and RLE blocks
 * (incompressible data) are copied here without either decoder: the WASM path copies in, copies
 * out and cost 0.7 s per 537 MB of restic blobs. Multiple frames, skippable frames and frames
 * without a content size are all accepted.
 */

import type * as Fzstd from 'fzstd';

import { portableModule } from '../crypto/portable-module.js';
import { concatBytes } from '../util/concat.js';
import { nativeAddon } from '../util/native-addon.js';
import { blockShape, decodeRawLiteralFrame } from './zstd-sequences.js';
import { ZstdError } from './zstd-error.js';

export { ZstdError } from './zstd-error.js';

// the pure-JS decoder, loaded only where the WASM one cannot run (or a test forces it)
const fzstd = portableModule<typeof Fzstd>('fzstd', () => import('fzstd'));

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK = 128 * 1024;

export interface ZstdFrameScan {
  /** number of data frames (skippable frames are not counted) */
  frames: number;
  /** sum of declared content sizes, or undefined when a frame does not declare one */
  contentSize: number | undefined;
  /**
   * the decoded length when every block is Raw or RLE and no frame carries a checksum: such
   * input (what zstd writes for incompressible data) is decoded here by copying, with no decoder
   */
  storedSize: number | undefined;
  /** frames that carry a content checksum, or a dictionary id */
  checksums: number;
  dictionaries: number;
}

/** one block: type (0 Raw, 1 RLE, 2 Compressed), where its content starts, its size field, and
 * the sum of the size fields before it (its output offset when every block is Raw or RLE) */
export type ZstdBlockVisitor = (type: number, pos: number, size: number, at: number) => void;

/**
 * Walk the frames and blocks of `input` without decoding (RFC 8878 §3.1): validates the
 * structure, finds every frame boundary and sums the declared content sizes; `onBlock` sees
 * every block once its bytes are known to be in the input.
 */
export function scanZstdFrames(input: Uint8Array, onBlock?: ZstdBlockVisitor): ZstdFrameScan {
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let pos = 0;
  let at = 0;
  let frames = 0;
  let total: number | undefined = 0;
  let stored: number | undefined = 0;
  let checksums = 0;
  let dictionaries = 0;
  if (input.length === 0) throw new ZstdError('empty zstd input');
  while (pos < input.length) {
    if (pos + 4 > input.length) throw new ZstdError('truncated zstd frame magic');
    const magic = dv.getUint32(pos, true);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (pos + 8 > input.length) throw new ZstdError('truncated skippable frame');
      const len = dv.getUint32(pos + 4, true);
      pos += 8 + len;
      if (pos > input.length) throw new ZstdError('truncated skippable frame');
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new ZstdError(`bad zstd magic 0x${magic.toString(16)}`);
    pos += 4;
    if (pos >= input.length) throw new ZstdError('truncated zstd frame header');
    const fhd = input[pos++]!;
    const fcsFlag = fhd >> 6;
    const single = (fhd >> 5) & 1;
    if ((fhd >> 3) & 1) throw new ZstdError('reserved bit set in zstd frame header');
    const checksum = (fhd >> 2) & 1;
    const dictIdSize = [0, 1, 2, 4][fhd & 3]!;
    if (dictIdSize > 0) dictionaries++;
    const fcsSize = fcsFlag === 0 ? single : [1, 2, 4, 8][fcsFlag]!;
    const headerRest = (single ? 0 : 1) + dictIdSize + fcsSize;
    if (pos + headerRest > input.length) throw new ZstdError('truncated zstd frame header');
    pos += (single ? 0 : 1) + dictIdSize;
    let fcs: number | undefined;
    if (fcsSize === 1) fcs = input[pos]!;
    else if (fcsSize === 2) fcs = dv.getUint16(pos, true) + 256;
    else if (fcsSize === 4) fcs = dv.getUint32(pos, true);
    else if (fcsSize === 8) {
      const hi = dv.getUint32(pos + 4, true);
      if (hi >= 2 ** 21) throw new ZstdError('zstd frame content size too large');
      fcs = hi * 2 ** 32 + dv.getUint32(pos, true);
    }
    pos += fcsSize;
    // blocks
    for (;;) {
      if (pos + 3 > input.length) throw new ZstdError('truncated zstd block header');
      const bh = input[pos]! | (input[pos + 1]! << 8) | (input[pos + 2]! << 16);
      pos += 3;
      const last = bh & 1;
      const type = (bh >> 1) & 3;
      const size = bh >>> 3;
      if (type === 3) throw new ZstdError('reserved zstd block type');
      if (size > MAX_BLOCK) throw new ZstdError('zstd block larger than 128 KiB');
      if (type === 2) stored = undefined;
      else if (stored !== undefined) stored += size;
      const content = pos;
      pos += type === 1 ? 1 : size;
      if (pos > input.length) throw new ZstdError('truncated zstd block');
      onBlock?.(type, content, size, at);
      at += size;
      if (last) break;
    }
    if (checksum) {
      pos += 4;
      stored = undefined;
      checksums++;
    }
    if (pos > input.length) throw new ZstdError('truncated zstd frame checksum');
    frames++;
    total = fcs === undefined || total === undefined ? undefined : total + fcs;
  }
  if (frames === 0) throw new ZstdError('no zstd frame in input');
  return { frames, contentSize: total, storedSize: stored, checksums, dictionaries };
}

/**
 * Decode input whose blocks are all Raw or RLE (RFC 8878 §3.1.1.2.2), as the scan found: its
 * visitor gives each block's place in the input and in the output. With `inPlace` the output
 * is written over the input's own bytes and a view of them is returned, when no block's output
 * would reach input not yet read (Raw blocks only move towards the start; an RLE block expands
 * and may not fit): no allocation for the common incompressible case.
 */
function decodeStored(
  input: Uint8Array,
  size: number,
  inPlace: boolean,
  into: Uint8Array | undefined,
): Uint8Array {
  if (inPlace && !into) {
    let fits = true;
    scanZstdFrames(input, (type, pos, n, at) => {
      if (at + n > pos + (type === 1 ? 1 : n)) fits = false;
    });
    if (fits) {
      scanZstdFrames(input, (type, pos, n, at) => {
        if (type === 1) input.fill(input[pos]!, at, at + n);
        else input.copyWithin(at, pos, pos + n);
      });
      return input.subarray(0, size);
    }
  }
  const out = into ? into.subarray(0, size) : new Uint8Array(size);
  scanZstdFrames(input, (type, pos, n, at) => {
    if (type === 1) out.fill(input[pos]!, at, at + n);
    else out.set(input.subarray(pos, pos + n), at);
  });
  return out;
}

interface WasmZstd {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  _ZSTD_decompress(dst: number, dstCap: number, src: number, srcLen: number): number;
  _ZSTD_isError(code: number): number;
}

type NodeRequireLike = ((id: string) => unknown) & { resolve(id: string): string };

let wasm: WasmZstd | undefined;
let wasmTried: Promise<void> | undefined;
let forced: ZstdBackend | undefined;

export type ZstdBackend = 'native' | 'wasm' | 'js';

interface NativeZstd {
  zstdVersion(): number;
  /** bytes written into dst; throws on corrupt, truncated or oversize input (posix.c, "zstd") */
  zstdDecompress(src: Uint8Array, dst: Uint8Array): number;
}

// `zstd -c` (1.5.4) of CHECK_TEXT: one compressed block, then the content checksum
const CHECK_FRAME = Uint8Array.from(
  '28b52ffd0458d50000a073616c76616765207a73746420636865636b200a0100d933c39715246c'.match(/../g)!,
  (h) => parseInt(h, 16),
);
const CHECK_TEXT = 'salvage zstd check '.repeat(3).trimEnd() + '\n';

let native: NativeZstd | null | undefined;

/** the native decoder, accepted only once it reproduces CHECK_FRAME */
function nativeZstd(): NativeZstd | null {
  if (native !== undefined) return native;
  native = null;
  const a = nativeAddon<NativeZstd>();
  try {
    if (!a?.zstdVersion || !a.zstdDecompress || a.zstdVersion() === 0) return null;
    const out = new Uint8Array(CHECK_TEXT.length);
    const n = a.zstdDecompress(CHECK_FRAME, out);
    if (n === out.length && new TextDecoder().decode(out) === CHECK_TEXT) native = a as NativeZstd;
  } catch {
    native = null;
  }
  return native;
}

async function loadWasm(): Promise<void> {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:module') as
    | { createRequire(url: string): NodeRequireLike }
    | undefined;
  if (!mod) return;
  try {
    const req = mod.createRequire(import.meta.url);
    const api = req('@bokuweb/zstd-wasm') as { init(): Promise<void> };
    // the package exports only its entry; its Module object lives beside it (dist/common/)
    const entry = req.resolve('@bokuweb/zstd-wasm');
    const m = req(entry.replace(/index\.node\.js$/, 'module.js')) as { Module: WasmZstd };
    await api.init();
    wasm = m.Module;
  } catch {
    wasm = undefined;
  }
}

/**
 * Load the WASM decoder (once), unless the native one is there (and not forced away from).
 * Called implicitly by `zstdDecompress`.
 */
export function zstdReady(): Promise<void> {
  if ((forced === undefined || forced === 'native') && nativeZstd()) return Promise.resolve();
  wasmTried ??= loadWasm();
  return wasmTried;
}

/** Which decoder runs: 'native' when loaded, else 'wasm' when loaded, else 'js'. Tests may force one. */
export function zstdBackend(): ZstdBackend {
  if (forced) return forced;
  return nativeZstd() ? 'native' : wasm ? 'wasm' : 'js';
}

export function forceZstdBackend(b: ZstdBackend | undefined): void {
  forced = b;
}

export interface ZstdOptions {
  /** the largest output accepted; more is an error */
  maxLength: number;
  /**
   * the input is the caller's scratch (e.g. a fresh decryption): it may be overwritten and the
   * output may be a view of it
   */
  inPlace?: boolean;
  /** when set, the output must be exactly this long */
  exactLength?: number;
  /**
   * decode into this buffer (e.g. a slot of a larger one) instead of a new one; the output must
   * fill it exactly, and the result is a view of it
   */
  into?: Uint8Array;
}

/** Decode one or more concatenated zstd frames. Throws ZstdError on malformed or oversize data. */
export async function zstdDecompress(input: Uint8Array, options: ZstdOptions): Promise<Uint8Array> {
  await zstdReady();
  return zstdDecompressSync(input, options);
}

/** As `zstdDecompress`; the WASM decoder is used only once `zstdReady()` has resolved. */
export function zstdDecompressSync(input: Uint8Array, options: ZstdOptions): Uint8Array {
  const into = options.into;
  if (into && options.exactLength !== undefined && options.exactLength !== into.length)
    throw new RangeError(
      `zstd: exactLength ${options.exactLength} but a ${into.length}-byte target`,
    );
  const exact = into ? into.length : options.exactLength;
  const max = exact ?? options.maxLength;
  if (!Number.isSafeInteger(max) || max < 0) throw new RangeError(`bad zstd output bound ${max}`);
  const blocks: BlockList = [];
  const scan = scanZstdFrames(input, (type, pos, n) => blocks.push(type, pos, n));
  if (scan.contentSize !== undefined && scan.contentSize > max)
    throw new ZstdError(`zstd frame declares ${scan.contentSize} bytes, more than ${max} allowed`);
  if (scan.storedSize !== undefined && scan.storedSize > max)
    throw new ZstdError(`zstd output is ${scan.storedSize} bytes, more than ${max} allowed`);
  const cap = scan.contentSize ?? max;
  const backend = zstdBackend();
  if (backend === 'wasm' && !wasm) throw new ZstdError('the WASM zstd decoder is not loaded');
  const nat = backend === 'native' ? nativeZstd() : null;
  if (backend === 'native' && !nat) throw new ZstdError('the native zstd decoder is not loaded');
  const out =
    scan.storedSize !== undefined
      ? decodeStored(input, scan.storedSize, options.inPlace === true, into)
      : nat
        ? decodeNative(nat, input, cap, into)
        : decodePortable(input, blocks, scan, backend, cap, into);
  if (exact !== undefined && out.length !== exact)
    throw new ZstdError(`zstd output is ${out.length} bytes, expected ${exact}`);
  if (scan.contentSize !== undefined && out.length !== scan.contentSize)
    throw new ZstdError(`zstd output is ${out.length} bytes, header says ${scan.contentSize}`);
  return out;
}

/** libzstd itself: straight into the output, which is exactly `cap` when the header says so */
function decodeNative(
  nat: NativeZstd,
  input: Uint8Array,
  cap: number,
  into: Uint8Array | undefined,
): Uint8Array {
  const out = into ?? new Uint8Array(cap);
  let n: number;
  try {
    n = nat.zstdDecompress(input, out);
  } catch (e) {
    throw new ZstdError(
      e instanceof Error ? `${e.message} (corrupt, truncated or oversize data)` : String(e),
    );
  }
  // without a declared size the bound was the caller's limit: keep only what was written
  return into || n === cap ? out.subarray(0, n) : out.slice(0, n);
}

/**
 * the WASM build or fzstd (frames of Raw/RLE blocks only were copied by the caller), with the
 * shortcuts that spare WASM its slow copies and fills
 */
function decodePortable(
  input: Uint8Array,
  blocks: BlockList,
  scan: ZstdFrameScan,
  backend: ZstdBackend,
  cap: number,
  into: Uint8Array | undefined,
): Uint8Array {
  const single =
    scan.frames === 1 &&
    scan.checksums === 0 &&
    scan.dictionaries === 0 &&
    scan.contentSize !== undefined;
  if (single && rawLiteralsOnly(input, blocks, scan.contentSize!))
    return decodeRawLiteralFrame(input, blocks, scan.contentSize!, into);
  const split =
    single && backend === 'wasm' && wasm
      ? decodeSplit(wasm, input, blocks, scan.contentSize!, into)
      : undefined;
  return (
    split ??
    (backend === 'wasm' && wasm ? decodeWasm(wasm, input, cap, into) : decodeJs(input, cap, into))
  );
}

/** input and output space in the WASM heap (freed by the caller), or a ZstdError */
function wasmBuffers(m: WasmZstd, srcLen: number, dstLen: number): [number, number] {
  const src = m._malloc(Math.max(1, srcLen));
  const dst = m._malloc(Math.max(1, dstLen));
  if (!src || !dst) {
    if (src) m._free(src);
    if (dst) m._free(dst);
    throw new ZstdError('zstd: out of WASM memory');
  }
  return [src, dst];
}

function decodeWasm(
  m: WasmZstd,
  input: Uint8Array,
  cap: number,
  into: Uint8Array | undefined,
): Uint8Array {
  const [src, dst] = wasmBuffers(m, input.length, cap);
  try {
    m.HEAPU8.set(input, src);
    const n = m._ZSTD_decompress(dst, cap, src, input.length);
    if (m._ZSTD_isError(n)) throw new ZstdError(`zstd: corrupt or oversize data (code ${n})`);
    if (!into) return m.HEAPU8.slice(dst, dst + n);
    if (n > into.length) throw new ZstdError(`zstd output exceeds ${into.length} bytes`);
    into.set(m.HEAPU8.subarray(dst, dst + n));
    return into.subarray(0, n);
  } finally {
    m._free(src);
    m._free(dst);
  }
}

/**
 * Frames decoded by zstd-sequences.ts instead of libzstd: every compressed block has Raw or RLE
 * literals, and the sequences are long on average (at least this many output bytes each), so the
 * work is native copies rather than a JS loop per sequence.
 */
const SIMPLE_MIN_BYTES_PER_SEQUENCE = 256;

/** see SIMPLE_MIN_BYTES_PER_SEQUENCE */
function rawLiteralsOnly(input: Uint8Array, blocks: BlockList, size: number): boolean {
  let sequences = 0;
  let compressed = 0;
  for (let b = 0; b < blocks.length; b += 3) {
    if (blocks[b] !== 2) continue;
    compressed++;
    const shape = blockShape(input, blocks[b + 1]!, blocks[b + 2]!);
    if (shape.literals >= 2) return false;
    sequences += shape.sequences;
  }
  return compressed > 0 && size >= sequences * SIMPLE_MIN_BYTES_PER_SEQUENCE;
}

/**
 * Raw and RLE blocks after a frame's last compressed block, of at least this many output bytes,
 * are written here instead of by the WASM decoder (see decodeSplit).
 */
const SPLIT_MIN_TAIL = 64 * 1024;

/** a frame's blocks as the scan saw them: type, content position, size field, triple by triple */
type BlockList = number[];

/**
 * Decode one frame (no checksum, no dictionary, declared content size) whose compressed blocks
 * are followed by ≥ SPLIT_MIN_TAIL bytes of Raw/RLE blocks, as data with zero runs or an
 * incompressible stretch often is. libzstd in WASM copies and fills those bytes in plain loops
 * (the build has no bulk-memory instructions) and they must then be copied out of its memory:
 * 1.2 GB/s for a frame of 300 KB of random bytes and 1.5 MB of one byte, where `fill` is ~20×
 * faster. So only the frame's span from its first to its last compressed block goes to WASM, as
 * a frame of its own (RFC 8878 §3.1.1): the output before that span (Raw/RLE blocks, written here
 * first) goes in front of it as Raw blocks, so matches reaching back into it resolve as in the
 * original frame, and entropy tables and repeat offsets carry over only between compressed
 * blocks, all inside the span. The Raw/RLE blocks before and after the span are written here.
 */
function decodeSplit(
  m: WasmZstd,
  input: Uint8Array,
  blocks: BlockList,
  size: number,
  into: Uint8Array | undefined,
): Uint8Array | undefined {
  let first = -1;
  let last = -1;
  for (let b = 0; b < blocks.length; b += 3)
    if (blocks[b] === 2) {
      if (first < 0) first = b;
      last = b;
    }
  if (first < 0) return undefined;
  let lead = 0;
  for (let b = 0; b < first; b += 3) lead += blocks[b + 2]!;
  let tail = 0;
  for (let b = last + 3; b < blocks.length; b += 3) tail += blocks[b + 2]!;
  if (tail < SPLIT_MIN_TAIL) return undefined;
  const mid = size - lead - tail;
  if (mid < 0 || mid > ((last - first) / 3 + 1) * MAX_BLOCK)
    throw new ZstdError(`zstd frame declares ${size} bytes, its blocks do not add up`);
  const out = into ? into.subarray(0, size) : new Uint8Array(size);
  const plain = (from: number, to: number, at: number): number => {
    for (let b = from; b < to; b += 3) {
      const pos = blocks[b + 1]!;
      const n = blocks[b + 2]!;
      if (blocks[b] === 1) out.fill(input[pos]!, at, at + n);
      else out.set(input.subarray(pos, pos + n), at);
      at += n;
    }
    return at;
  };
  plain(0, first, 0);
  // the span as its own frame: header (single segment, 4-byte content size), the output before
  // it as Raw blocks, then its blocks as they are, the last one marked last
  const spanStart = blocks[first + 1]! - 3;
  const spanEnd = blocks[last + 1]! + blocks[last + 2]!;
  const prefixBlocks = Math.ceil(lead / MAX_BLOCK);
  const srcLen = 9 + prefixBlocks * 3 + lead + (spanEnd - spanStart);
  const dstLen = lead + mid;
  const [src, dst] = wasmBuffers(m, srcLen, dstLen);
  try {
    const heap = m.HEAPU8;
    let w = src;
    heap.set([0x28, 0xb5, 0x2f, 0xfd, 0xa0], w);
    new DataView(heap.buffer).setUint32(w + 5, dstLen, true);
    w += 9;
    for (let at = 0; at < lead; at += MAX_BLOCK) {
      const n = Math.min(MAX_BLOCK, lead - at);
      const bh = n << 3; // Raw, not last
      heap[w] = bh & 0xff;
      heap[w + 1] = (bh >> 8) & 0xff;
      heap[w + 2] = bh >> 16;
      heap.set(out.subarray(at, at + n), w + 3);
      w += 3 + n;
    }
    heap.set(input.subarray(spanStart, spanEnd), w);
    heap[w + (blocks[last + 1]! - 3 - spanStart)]! |= 1;
    const n = m._ZSTD_decompress(dst, dstLen, src, srcLen);
    if (m._ZSTD_isError(n)) throw new ZstdError(`zstd: corrupt or oversize data (code ${n})`);
    if (n !== dstLen)
      throw new ZstdError(`zstd output is ${n - lead + size - mid} bytes, header says ${size}`);
    out.set(m.HEAPU8.subarray(dst + lead, dst + dstLen), lead);
  } finally {
    m._free(src);
    m._free(dst);
  }
  plain(last + 3, blocks.length, lead + mid);
  return out;
}

function decodeJs(input: Uint8Array, cap: number, into: Uint8Array | undefined): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const s = new (fzstd().Decompress)((chunk) => {
    total += chunk.length;
    if (total > cap) throw new ZstdError(`zstd output exceeds ${cap} bytes`);
    parts.push(chunk.slice());
  });
  try {
    s.push(input, true);
  } catch (e) {
    if (e instanceof ZstdError) throw e;
    throw new ZstdError(`zstd: corrupt data (${String(e)})`);
  }
  return concatBytes(parts, total, into);
}
