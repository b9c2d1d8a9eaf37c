/**
 * A zstd frame decoder (RFC 8878) for frames whose literals are all stored Raw or RLE: the
 * compressed blocks carry no Huffman tables, only FSE-coded sequences (§3.1.1.3.2), so decoding
 * is copying: each literal run and each match is one native copy or fill, straight into the
 * output. klauspost/compress, which writes restic's and kopia's zstd, makes such blocks for
 * incompressible data with runs in it (random bytes, then zeros): every compressed block of the
 * benchmark's mixed set has Raw literals and one sequence. libzstd in WASM copies those bytes in
 * loops (its build has no bulk-memory instructions) and the result must then be copied out of its
 * memory. Frames with Huffman literals, a checksum or a dictionary stay with it (zstd.ts).
 */

import { copyMatch } from './copy-match.js';
import { ZstdError } from './zstd-error.js';

const MAX_BLOCK = 128 * 1024;

/** an FSE decoding table (§4.1): per state its symbol, bits to read and the next state's base */
interface FseTable {
  readonly log: number;
  readonly symbol: Uint8Array;
  readonly bits: Uint8Array;
  readonly base: Uint16Array;
}

// §3.1.1.3.2.1: literal length and match length codes, their extra bits and baselines
const LL_BITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12,
  13, 14, 15, 16,
];
const ML_BITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
  1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];

function baselines(bits: readonly number[], first: number): number[] {
  const out: number[] = [];
  let b = first;
  for (const n of bits) {
    out.push(b);
    b += 2 ** n;
  }
  return out;
}

const LL_BASE = baselines(LL_BITS, 0);
const ML_BASE = baselines(ML_BITS, 3);

// §3.1.1.3.2.2: the predefined distributions (accuracy 6, 6 and 5)
const LL_DEFAULT = [
  4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
  -1, -1, -1, -1,
];
const ML_DEFAULT = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
const OF_DEFAULT = [
  1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
];

/** the kinds of sequence symbol: largest symbol and accuracy log allowed, predefined table */
interface Kind {
  readonly name: string;
  readonly maxSymbol: number;
  readonly maxLog: number;
  readonly defaults: readonly number[];
  readonly defaultLog: number;
}

const LL: Kind = {
  name: 'literal length',
  maxSymbol: 35,
  maxLog: 9,
  defaults: LL_DEFAULT,
  defaultLog: 6,
};
const OF: Kind = { name: 'offset', maxSymbol: 31, maxLog: 8, defaults: OF_DEFAULT, defaultLog: 5 };
const ML: Kind = {
  name: 'match length',
  maxSymbol: 52,
  maxLog: 9,
  defaults: ML_DEFAULT,
  defaultLog: 6,
};

function highBit(x: number): number {
  return 31 - Math.clz32(x);
}

/** §4.1.1: the decoding table of normalized counts (-1: "less than 1") at accuracy `log` */
function buildTable(counts: readonly number[], log: number): FseTable {
  const size = 1 << log;
  const symbol = new Uint8Array(size);
  const bits = new Uint8Array(size);
  const base = new Uint16Array(size);
  const next = new Array<number>(counts.length);
  let high = size - 1;
  for (let s = 0; s < counts.length; s++) {
    if (counts[s] === -1) {
      symbol[high--] = s;
      next[s] = 1;
    } else next[s] = counts[s]!;
  }
  const step = (size >> 1) + (size >> 3) + 3;
  let pos = 0;
  for (let s = 0; s < counts.length; s++) {
    for (let i = 0; i < counts[s]!; i++) {
      symbol[pos] = s;
      do pos = (pos + step) & (size - 1);
      while (pos > high);
    }
  }
  if (pos !== 0) throw new ZstdError('zstd: FSE table counts do not fill the table');
  for (let u = 0; u < size; u++) {
    const s = symbol[u]!;
    const n = next[s]!++;
    const b = log - highBit(n);
    bits[u] = b;
    base[u] = (n << b) - size;
  }
  return { log, symbol, bits, base };
}

let predefined: { ll: FseTable; of: FseTable; ml: FseTable } | undefined;

function defaults(): { ll: FseTable; of: FseTable; ml: FseTable } {
  predefined ??= {
    ll: buildTable(LL.defaults, LL.defaultLog),
    of: buildTable(OF.defaults, OF.defaultLog),
    ml: buildTable(ML.defaults, ML.defaultLog),
  };
  return predefined;
}

/** one symbol for every state: RLE mode (§3.1.1.3.2.2) */
function rleTable(s: number): FseTable {
  return {
    log: 0,
    symbol: Uint8Array.of(s),
    bits: Uint8Array.of(0),
    base: Uint16Array.of(0),
  };
}

/**
 * §4.1.1 FSE table description at `pos` (a forward, little-endian bitstream); returns the table
 * and where the description ends (it fills whole bytes).
 */
function readTableDescription(
  input: Uint8Array,
  pos: number,
  end: number,
  kind: Kind,
): { table: FseTable; end: number } {
  let bit = pos * 8;
  const peek = (n: number): number => {
    const byte = bit >> 3;
    let v = 0;
    for (let i = 0; i < 4; i++) v |= (byte + i < end ? input[byte + i]! : 0) << (8 * i);
    return (v >>> (bit & 7)) & ((1 << n) - 1);
  };
  if (pos >= end) throw new ZstdError(`zstd: truncated ${kind.name} table`);
  const log = (input[pos]! & 15) + 5;
  if (log > kind.maxLog) throw new ZstdError(`zstd: ${kind.name} table accuracy ${log} too large`);
  bit += 4;
  const counts: number[] = [];
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nbBits = log + 1;
  while (remaining > 1) {
    if (counts.length > kind.maxSymbol) throw new ZstdError(`zstd: ${kind.name} table too long`);
    const max = 2 * threshold - 1 - remaining;
    let count: number;
    if ((peek(nbBits - 1) & (threshold - 1)) < max) {
      count = peek(nbBits - 1) & (threshold - 1);
      bit += nbBits - 1;
    } else {
      count = peek(nbBits) & (2 * threshold - 1);
      if (count >= threshold) count -= max;
      bit += nbBits;
    }
    count--;
    remaining -= count < 0 ? -count : count;
    counts.push(count);
    if (count === 0) {
      for (;;) {
        const repeat = peek(2);
        bit += 2;
        for (let i = 0; i < repeat; i++) counts.push(0);
        if (repeat !== 3) break;
      }
    }
    while (remaining < threshold) {
      nbBits--;
      threshold >>= 1;
    }
    if (bit > end * 8) throw new ZstdError(`zstd: truncated ${kind.name} table`);
  }
  if (remaining !== 1 || counts.length > kind.maxSymbol + 1)
    throw new ZstdError(`zstd: corrupt ${kind.name} table`);
  return { table: buildTable(counts, log), end: (bit + 7) >> 3 };
}

/** the backward bitstream of a block's sequences (§4.1, read from its last bit towards its first) */
class BackwardBits {
  /** bits not yet read: the next read ends at this bit index */
  left: number;

  constructor(
    private readonly data: Uint8Array,
    private readonly start: number,
    end: number,
  ) {
    const last = end > start ? data[end - 1]! : 0;
    if (last === 0) throw new ZstdError('zstd: sequence bitstream has no end mark');
    this.left = (end - 1 - start) * 8 + highBit(last);
  }

  /** the next `n` (≤ 31) bits, most significant first */
  read(n: number): number {
    if (n === 0) return 0;
    const lo = this.left - n;
    if (lo < 0) throw new ZstdError('zstd: sequence bitstream read past its start');
    this.left = lo;
    const byte = this.start + (lo >> 3);
    const shift = lo & 7;
    const avail = this.start + ((lo + n + 7) >> 3);
    let v = 0;
    let mul = 1;
    for (let i = byte; i < avail; i++) {
      v += this.data[i]! * mul;
      mul *= 256;
    }
    return Math.floor(v / 2 ** shift) % 2 ** n;
  }
}

/** what carries over between the blocks of a frame */
interface FrameState {
  readonly rep: [number, number, number];
  tables: { ll: FseTable; of: FseTable; ml: FseTable } | undefined;
}

/**
 * A compressed block's literal type (0 Raw, 1 RLE, 2 Compressed, 3 Treeless), sequence count
 * and symbol compression modes byte (0 when there are no sequences); for Raw and RLE literals
 * only (Huffman ones report no sequences).
 */
export function blockShape(
  input: Uint8Array,
  pos: number,
  size: number,
): { literals: number; sequences: number; modes: number } {
  const end = pos + size;
  if (size < 1) throw new ZstdError('zstd: empty compressed block');
  const literals = input[pos]! & 3;
  if (literals >= 2) return { literals, sequences: 0, modes: 0 };
  const { start, count } = literalsHeader(input, pos, end);
  const seqAt = start + (literals === 0 ? count : 1);
  if (seqAt >= end) throw new ZstdError('zstd: literals run past their block');
  const seq = sequenceCount(input, seqAt, end);
  const modes = seq.count > 0 && seq.at < end ? input[seq.at]! : 0;
  return { literals, sequences: seq.count, modes };
}

/** §3.1.1.3.1.1 for Raw and RLE literals: where their bytes start, how many they make */
function literalsHeader(
  input: Uint8Array,
  pos: number,
  end: number,
): { start: number; count: number } {
  const h = input[pos]!;
  const format = (h >> 2) & 3;
  if ((format & 1) === 0) return { start: pos + 1, count: h >> 3 };
  if (format === 1) {
    if (pos + 2 > end) throw new ZstdError('zstd: truncated literals header');
    return { start: pos + 2, count: (h >> 4) + (input[pos + 1]! << 4) };
  }
  if (pos + 3 > end) throw new ZstdError('zstd: truncated literals header');
  return { start: pos + 3, count: (h >> 4) + (input[pos + 1]! << 4) + (input[pos + 2]! << 12) };
}

/** §3.1.1.3.2.1 Number_of_Sequences: the count and where the header ends */
function sequenceCount(input: Uint8Array, pos: number, end: number): { count: number; at: number } {
  const b0 = input[pos]!;
  if (b0 < 128) return { count: b0, at: pos + 1 };
  if (b0 < 255) {
    if (pos + 2 > end) throw new ZstdError('zstd: truncated sequences header');
    return { count: ((b0 - 128) << 8) + input[pos + 1]!, at: pos + 2 };
  }
  if (pos + 3 > end) throw new ZstdError('zstd: truncated sequences header');
  return { count: input[pos + 1]! + (input[pos + 2]! << 8) + 0x7f00, at: pos + 3 };
}

function symbolTable(
  mode: number,
  input: Uint8Array,
  at: { pos: number },
  end: number,
  kind: Kind,
  previous: FseTable | undefined,
  predefinedTable: FseTable,
): FseTable {
  if (mode === 0) return predefinedTable;
  if (mode === 1) {
    if (at.pos >= end) throw new ZstdError(`zstd: truncated ${kind.name} RLE symbol`);
    const s = input[at.pos++]!;
    if (s > kind.maxSymbol) throw new ZstdError(`zstd: ${kind.name} symbol ${s} out of range`);
    return rleTable(s);
  }
  if (mode === 2) {
    const d = readTableDescription(input, at.pos, end, kind);
    at.pos = d.end;
    return d.table;
  }
  if (!previous) throw new ZstdError(`zstd: ${kind.name} table repeated before any was defined`);
  return previous;
}

/**
 * Decode one compressed block (literals Raw or RLE) at `pos` (`size` bytes) into `out` at `o`;
 * returns the output position after it.
 */
function decodeBlock(
  input: Uint8Array,
  pos: number,
  size: number,
  out: Uint8Array,
  o: number,
  state: FrameState,
): number {
  const end = pos + size;
  const rle = (input[pos]! & 3) === 1;
  if ((input[pos]! & 3) >= 2) throw new ZstdError('zstd: Huffman literals (not this decoder)');
  const lit = literalsHeader(input, pos, end);
  let litAt = lit.start;
  const litEnd = lit.start + lit.count;
  const seqAt = lit.start + (rle ? 1 : lit.count);
  if (seqAt > end) throw new ZstdError('zstd: literals run past their block');
  const rleByte = rle ? input[lit.start]! : 0;
  const blockStart = o;
  const limit = Math.min(out.length, o + MAX_BLOCK);
  const literals = (n: number): void => {
    if (n === 0) return;
    if (o + n > limit) throw new ZstdError('zstd: block output exceeds its bound');
    if (rle) {
      if (litAt + n > litEnd) throw new ZstdError('zstd: sequences use more literals than given');
      out.fill(rleByte, o, o + n);
    } else {
      if (litAt + n > litEnd) throw new ZstdError('zstd: sequences use more literals than given');
      out.set(input.subarray(litAt, litAt + n), o);
    }
    litAt += n;
    o += n;
  };
  if (seqAt === end) throw new ZstdError('zstd: compressed block without a sequences section');
  const { count, at } = sequenceCount(input, seqAt, end);
  if (count === 0) {
    if (at !== end) throw new ZstdError('zstd: bytes after an empty sequences section');
    literals(lit.count);
    return o;
  }
  if (at >= end) throw new ZstdError('zstd: truncated sequences header');
  const modes = input[at]!;
  if (modes & 3) throw new ZstdError('zstd: reserved bits set in sequence modes');
  const cur = { pos: at + 1 };
  const d = defaults();
  const prev = state.tables;
  const ll = symbolTable(modes >> 6, input, cur, end, LL, prev?.ll, d.ll);
  const of = symbolTable((modes >> 4) & 3, input, cur, end, OF, prev?.of, d.of);
  const ml = symbolTable((modes >> 2) & 3, input, cur, end, ML, prev?.ml, d.ml);
  state.tables = { ll, of, ml };
  const bits = new BackwardBits(input, cur.pos, end);
  let llState = bits.read(ll.log);
  let ofState = bits.read(of.log);
  let mlState = bits.read(ml.log);
  const rep = state.rep;
  for (let i = 0; i < count; i++) {
    const llCode = ll.symbol[llState]!;
    const ofCode = of.symbol[ofState]!;
    const mlCode = ml.symbol[mlState]!;
    if (llCode > LL.maxSymbol || mlCode > ML.maxSymbol)
      throw new ZstdError('zstd: sequence code out of range');
    let offset = 2 ** ofCode + bits.read(ofCode);
    const matchLength = ML_BASE[mlCode]! + bits.read(ML_BITS[mlCode]!);
    const literalLength = LL_BASE[llCode]! + bits.read(LL_BITS[llCode]!);
    // §3.1.1.5 repeat offsets
    if (offset > 3) {
      offset -= 3;
      rep[2] = rep[1];
      rep[1] = rep[0];
      rep[0] = offset;
    } else {
      const idx = offset - (literalLength !== 0 ? 1 : 0);
      if (idx === 0) offset = rep[0];
      else {
        offset = idx === 3 ? rep[0] - 1 : rep[idx]!;
        if (idx > 1) rep[2] = rep[1];
        rep[1] = rep[0];
        rep[0] = offset;
      }
    }
    literals(literalLength);
    if (offset < 1 || offset > o) throw new ZstdError('zstd: match offset before the frame start');
    if (o + matchLength > limit) throw new ZstdError('zstd: block output exceeds its bound');
    if (offset === 1) out.fill(out[o - 1]!, o, o + matchLength);
    else copyMatch(out, o, offset, matchLength);
    o += matchLength;
    if (i + 1 < count) {
      llState = ll.base[llState]! + bits.read(ll.bits[llState]!);
      mlState = ml.base[mlState]! + bits.read(ml.bits[mlState]!);
      ofState = of.base[ofState]! + bits.read(of.bits[ofState]!);
    }
  }
  if (bits.left !== 0) throw new ZstdError('zstd: sequence bitstream not fully read');
  literals(litEnd - litAt);
  if (o - blockStart > MAX_BLOCK) throw new ZstdError('zstd: block output exceeds 128 KiB');
  return o;
}

/**
 * Decode one frame (no checksum, no dictionary) of `size` declared bytes whose blocks the scan
 * listed as (type, content position, size field) triples, every compressed block having Raw or
 * RLE literals, into `into` or a new buffer.
 */
export function decodeRawLiteralFrame(
  input: Uint8Array,
  blocks: readonly number[],
  size: number,
  into: Uint8Array | undefined,
): Uint8Array {
  const out = into ? into.subarray(0, size) : new Uint8Array(size);
  if (out.length !== size) throw new ZstdError(`zstd output exceeds ${out.length} bytes`);
  const state: FrameState = { rep: [1, 4, 8], tables: undefined };
  let o = 0;
  for (let b = 0; b < blocks.length; b += 3) {
    const type = blocks[b]!;
    const pos = blocks[b + 1]!;
    const n = blocks[b + 2]!;
    if (type === 2) {
      o = decodeBlock(input, pos, n, out, o, state);
      continue;
    }
    if (o + n > size) throw new ZstdError(`zstd output exceeds the declared ${size} bytes`);
    if (type === 1) out.fill(input[pos]!, o, o + n);
    else out.set(input.subarray(pos, pos + n), o);
    o += n;
  }
  if (o !== size) throw new ZstdError(`zstd output is ${o} bytes, header says ${size}`);
  return out;
}
