/**
 * The WebAssembly bytes of scrypt's ROMix (RFC 7914 §5-6: BlockMix over Salsa20/8), spelled out
 * instruction by instruction by the small emitter here: there is no wasm toolchain in this
 * project, and this is easier to review than an opaque byte array. Run cold it takes ~6 ms, so
 * the SIMD module ships as bytes this emitter made (scrypt-wasm-bytes.ts, checked against it by
 * test/crypto/scrypt-wasm.test.ts); the scalar one is emitted at run time where it is needed.
 *
 * Two variants: scalar i32 (i32.rotl) and SIMD (v128), where a Salsa20 block is four i32x4 rows
 * holding its diagonals, so each quarter-round works on four columns at once (the layout of
 * Percival's scrypt `crypto_scrypt_smix_sse2.c`). The SIMD variant wants its blocks' words in
 * that order: scrypt-romix.ts permutes a lane once before and after, and every word between
 * stays permuted (xor and add are elementwise). Integerify reads word 0 of the last block, which
 * the permutation leaves in place. One Salsa20/8 is a chain of dependent operations, so the
 * SIMD module also runs two lanes with their instructions interleaved (`romix2`), which keeps
 * more of the CPU busy: N=2^15 r=8, ~53 ms a lane alone, ~34 ms a lane in a pair (3 or 4 lanes
 * at once were no faster).
 *
 * Module: imports `env.memory`, exports `romix(r, N, from, to)` [and `romix2`]. Memory layout of
 * a lane, in 128·r byte blocks: V[0..N-1], then X = V[N], then Y; romix2's second lane follows
 * the first. The caller writes a lane to V[0], runs steps 0..2N-1 (in one call or in slices) and
 * reads the result from X (offset 128·r·N). Steps below N are V[i+1] = BlockMix(V[i]), which
 * ends with X; the next N alternate X and Y, and N (a power of two > 1) being even, end in X.
 */

/** appends n as unsigned LEB128 */
function uleb(out: number[], n: number): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

/** appends the i32 n as signed LEB128 */
function sleb(out: number[], n: number): void {
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

/** appends `body` prefixed by its length (a section's or function's framing) */
function sized(out: number[], body: number[]): void {
  uleb(out, body.length);
  for (const b of body) out.push(b);
}

/** appends a name: its UTF-8 length and bytes (ASCII here) */
function name(out: number[], s: string): void {
  uleb(out, s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

const I32 = 0x7f;
const V128 = 0x7b;

/** one function body, instruction by instruction (names as in the WebAssembly text format) */
class Body {
  private readonly code: number[] = [];
  private readonly locals: number[] = [];

  constructor(private readonly params: number) {}

  /** a new local of `type`, its index */
  local(type: number): number {
    this.locals.push(type);
    return this.params + this.locals.length - 1;
  }

  /** opcode `op` (after `prefix` when nonzero) and an unsigned immediate */
  private opU(op: number, imm: number, prefix = 0): this {
    if (prefix) this.code.push(prefix);
    this.code.push(op);
    uleb(this.code, imm);
    return this;
  }
  private op(op: number): this {
    this.code.push(op);
    return this;
  }
  get(i: number): this {
    return this.opU(0x20, i);
  }
  set(i: number): this {
    return this.opU(0x21, i);
  }
  tee(i: number): this {
    return this.opU(0x22, i);
  }
  i32(n: number): this {
    this.code.push(0x41);
    sleb(this.code, n);
    return this;
  }
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  and(): this {
    return this.op(0x71);
  }
  xor(): this {
    return this.op(0x73);
  }
  rotl(): this {
    return this.op(0x77);
  }
  /** i32.load/store with alignment 2^2 and a constant offset */
  load(offset: number): this {
    return this.opU(0x28, 2).offset(offset);
  }
  store(offset: number): this {
    return this.opU(0x36, 2).offset(offset);
  }
  call(f: number): this {
    return this.opU(0x10, f);
  }
  /** `loop … br_if 0 (counter -= 1) != 0 end`: runs `body` counter times (counter ≥ 1) */
  countdown(counter: number, body: () => void): this {
    this.opU(0x03, 0x40); // loop, no result
    body();
    this.get(counter).i32(1).sub().tee(counter).opU(0x0d, 0); // br_if 0
    return this.op(0x0b);
  }
  /**
   * `block loop br_if 1 (counter >= limit) … counter += 1 br 0 end end`: runs `body` while
   * counter < limit (unsigned), counting up
   */
  whileBelow(counter: number, limit: number, body: () => void): this {
    this.opU(0x02, 0x40).opU(0x03, 0x40); // block, loop
    this.get(counter).get(limit).op(0x4f).opU(0x0d, 1); // i32.ge_u, br_if 1
    body();
    this.get(counter).i32(1).add().set(counter);
    return this.opU(0x0c, 0).op(0x0b).op(0x0b); // br 0, end, end
  }
  /** the smaller of locals a and b (unsigned) */
  minU(a: number, b: number): this {
    return this.get(a).get(b).get(a).get(b).op(0x49).op(0x1b); // i32.lt_u, select
  }
  // SIMD: prefix 0xfd, opcodes as unsigned LEB128
  vload(offset: number): this {
    return this.opU(0x00, 4, 0xfd).offset(offset); // v128.load align 2^4
  }
  vstore(offset: number): this {
    return this.opU(0x0b, 4, 0xfd).offset(offset); // v128.store align 2^4
  }
  vxor(): this {
    return this.simd(0x51); // v128.xor
  }
  vadd(): this {
    return this.simd(0xae); // i32x4.add
  }
  vshl(): this {
    return this.simd(0xab); // i32x4.shl
  }
  vshr(): this {
    return this.simd(0xad); // i32x4.shr_u
  }
  /** i32x4 lane rotation: lane k of the result is lane (k + n) mod 4 of the operand */
  vrotLanes(n: number): this {
    this.simd(0x0d); // i8x16.shuffle, both operands the same
    for (let k = 0; k < 4; k++) for (let b = 0; b < 4; b++) this.code.push(((k + n) % 4) * 4 + b);
    return this;
  }
  private simd(op: number): this {
    this.code.push(0xfd);
    uleb(this.code, op);
    return this;
  }
  private offset(offset: number): this {
    uleb(this.code, offset);
    return this;
  }

  /** appends the function's code entry: its size, local declarations, code, end */
  emit(out: number[]): void {
    const fn: number[] = [];
    uleb(fn, this.locals.length);
    for (const t of this.locals) fn.push(1, t);
    for (const b of this.code) fn.push(b);
    fn.push(0x0b);
    sized(out, fn);
  }
}

// Salsa20/8 quarter-rounds (RFC 7914 §3): [a, b, c, d] does b ^= (a+d)<<<7, c ^= (b+a)<<<9,
// d ^= (c+b)<<<13, a ^= (d+c)<<<18. A double round is four on columns, then four on rows.
const COLUMNS = [
  [0, 4, 8, 12],
  [5, 9, 13, 1],
  [10, 14, 2, 6],
  [15, 3, 7, 11],
];
const ROWS = [
  [0, 1, 2, 3],
  [5, 6, 7, 4],
  [10, 11, 8, 9],
  [15, 12, 13, 14],
];

/** one lane's Salsa20/8 state: `x` 16 i32 locals (scalar) or 4 v128 (SIMD, diagonal order) */
interface SalsaState {
  x: number[];
  /** scratch of the same shape */
  y: number[];
  /** one v128 scratch (SIMD) */
  t: number;
}

/**
 * Emits x = x + salsa20_8(x) for each state, their instructions interleaved step by step: one
 * Salsa20/8 is a single chain of dependent operations (latency-bound, ~150 cycles here), so two
 * independent lanes side by side fill the CPU's idle vector units.
 */
function emitSalsa(f: Body, simd: boolean, states: SalsaState[]): void {
  for (const { x, y } of states) for (let k = 0; k < x.length; k++) f.get(x[k]!).set(y[k]!);
  /** y[dst] ^= (y[p] + y[q]) <<< shift in every state */
  const step = (dst: number, p: number, q: number, shift: number) => {
    for (const { y, t } of states) {
      if (!simd) {
        f.get(y[dst]!).get(y[p]!).get(y[q]!).add().i32(shift).rotl().xor().set(y[dst]!);
        continue;
      }
      f.get(y[dst]!).get(y[p]!).get(y[q]!).vadd().tee(t).i32(shift).vshl().vxor();
      f.get(t)
        .i32(32 - shift)
        .vshr()
        .vxor()
        .set(y[dst]!);
    }
  };
  /** the four steps of quarter-rounds [a, b, c, d] */
  const quarter = (a: number, b: number, c: number, d: number) => {
    step(b, a, d, 7);
    step(c, b, a, 9);
    step(d, c, b, 13);
    step(a, d, c, 18);
  };
  /** rotate the lanes of y[1], y[2], y[3] by n1, n2, n3 (SIMD) */
  const rotate = (n1: number, n2: number, n3: number) => {
    for (const { y } of states)
      [n1, n2, n3].forEach((n, i) =>
        f
          .get(y[i + 1]!)
          .get(y[i + 1]!)
          .vrotLanes(n)
          .set(y[i + 1]!),
      );
  };
  for (let round = 0; round < 4; round++) {
    if (!simd) {
      for (const [a, b, c, d] of [...COLUMNS, ...ROWS] as [number, number, number, number][])
        quarter(a, b, c, d);
      continue;
    }
    // rows y0..y3 hold the diagonals; a column step is then y1 ^= (y0+y3)<<<7, … lane by lane,
    // and rotating y1..y3 by 3, 2, 1 lanes turns the rows' steps into the same pattern
    quarter(0, 1, 2, 3);
    rotate(3, 2, 1);
    quarter(0, 3, 2, 1);
    rotate(1, 2, 3);
  }
  for (const { x, y } of states)
    for (let k = 0; k < x.length; k++) f.get(x[k]!).get(y[k]!)[simd ? 'vadd' : 'add']().set(x[k]!);
}

/**
 * BlockMix (RFC 7914 §4) of `ways` lanes at once, each from `src` (xored with `src2` when
 * `withXor`) to `dst`, 2·r blocks of 64 bytes: params ([src, [src2,] dst] per lane, r). dst must
 * not overlap the inputs.
 */
function blockMix(simd: boolean, withXor: boolean, ways: number): Body {
  const perWay = withXor ? 3 : 2;
  const f = new Body(ways * perWay + 1);
  const r = ways * perWay;
  const words = simd ? 4 : 16;
  const size = simd ? 16 : 4;
  const type = simd ? V128 : I32;
  const lanes = Array.from({ length: ways }, (_, w) => ({
    src: w * perWay,
    src2: withXor ? w * perWay + 1 : -1,
    dst: w * perWay + perWay - 1,
    x: Array.from({ length: words }, () => f.local(type)),
    y: Array.from({ length: words }, () => f.local(type)),
    t: simd ? f.local(V128) : -1,
    odd: f.local(I32),
    last: f.local(I32),
    last2: withXor ? f.local(I32) : -1,
  }));
  const count = f.local(I32);
  const xor = () => (simd ? f.vxor() : f.xor());
  const load = (offset: number) => (simd ? f.vload(offset) : f.load(offset));

  /** x[k] = [x[k] ^] in[k] [^ in2[k]] for the blocks at base + offset, base2 + offset */
  const absorb = (
    l: (typeof lanes)[number],
    base: number,
    base2: number,
    offset: number,
    first = false,
  ) => {
    for (let k = 0; k < words; k++) {
      if (!first) f.get(l.x[k]!);
      f.get(base);
      load(offset + k * size);
      if (!first) xor();
      if (withXor) {
        f.get(base2);
        load(offset + k * size);
        xor();
      }
      f.set(l.x[k]!);
    }
  };
  const emit = (l: (typeof lanes)[number], base: number) => {
    for (let k = 0; k < words; k++) {
      f.get(base).get(l.x[k]!);
      if (simd) f.vstore(k * size);
      else f.store(k * size);
    }
  };

  for (const l of lanes) {
    // X = B[2r-1] (offset 128·r - 64 of the input)
    f.get(r).i32(128).mul().i32(64).sub().get(l.src).add().set(l.last);
    if (withXor) f.get(r).i32(128).mul().i32(64).sub().get(l.src2).add().set(l.last2);
    absorb(l, l.last, l.last2, 0, true);
    // even outputs go to dst[0..r-1], odd ones to dst[r..2r-1]
    f.get(l.dst).get(r).i32(64).mul().add().set(l.odd);
  }
  f.get(r).set(count);
  f.countdown(count, () => {
    for (const l of lanes) absorb(l, l.src, l.src2, 0);
    emitSalsa(f, simd, lanes);
    for (const l of lanes) {
      emit(l, l.dst);
      absorb(l, l.src, l.src2, 64);
    }
    emitSalsa(f, simd, lanes);
    for (const l of lanes) {
      emit(l, l.odd);
      f.get(l.src).i32(128).add().set(l.src);
      if (withXor) f.get(l.src2).i32(128).add().set(l.src2);
      f.get(l.dst).i32(64).add().set(l.dst);
      f.get(l.odd).i32(64).add().set(l.odd);
    }
  });
  return f;
}

/**
 * romix(r, N, from, to) (`ways` 1) or romix2(r, N, from, to) (2 lanes at once, the second's V,
 * X, Y after the first's): steps [from, to) of ROMix (RFC 7914 §5) on the lane at V[0], whose
 * result is in X after all 2·N steps; see the header. Steps 0..N-1 fill V, N..2N-1 mix; a
 * caller can run them in slices and stop between them. `blockMix` and `blockMixXor` are the
 * indices of the matching BlockMix functions.
 */
function romix(ways: number, blockMix: number, blockMixXor: number): Body {
  const f = new Body(4);
  const [r, n, step, to] = [0, 1, 2, 3];
  const bs = f.local(I32);
  const limit = f.local(I32);
  const lanes = Array.from({ length: ways }, () => ({
    base: f.local(I32),
    x: f.local(I32),
    y: f.local(I32),
  }));
  const odd = f.local(I32);
  f.get(r).i32(128).mul().set(bs);
  lanes.forEach((l, w) => f.get(n).i32(2).add().get(bs).mul().i32(w).mul().set(l.base));
  // V[i+1] = BlockMix(V[i]) for i < N; V[N] is X
  f.minU(to, n).set(limit);
  f.whileBelow(step, limit, () => {
    for (const l of lanes) {
      f.get(step).get(bs).mul().get(l.base).add().tee(l.x);
      f.get(l.x).get(bs).add();
    }
    f.get(r).call(blockMix);
  });
  // X = BlockMix(X ^ V[Integerify(X) mod N]) N times, from X to Y on even steps, Y to X on odd
  f.whileBelow(step, to, () => {
    f.get(step).get(n).sub().i32(1).and().get(bs).mul().set(odd);
    for (const l of lanes) {
      f.get(n).get(bs).mul().get(l.base).add().tee(l.x).get(bs).add().set(l.y);
      f.get(l.x).get(odd).add().set(l.x);
      f.get(l.y).get(odd).sub().set(l.y);
      f.get(l.x);
      f.get(l.x).get(bs).add().i32(64).sub().load(0).get(n).i32(1).sub().and();
      f.get(bs).mul().get(l.base).add();
      f.get(l.y);
    }
    f.get(r).call(blockMixXor);
  });
  return f;
}

/**
 * The module's bytes, SIMD or scalar. Exports `romix`, and `romix2` (two lanes interleaved) in
 * the SIMD module only: 2 × 32 scalar locals would not fit any machine's registers.
 */
export function romixWasm(simd: boolean): Uint8Array<ArrayBuffer> {
  const wayCounts = simd ? [1, 2] : [1];
  // per ways: romix, blockMix, blockMixXor (function indices 3w, 3w + 1, 3w + 2)
  const bodies = wayCounts.flatMap((ways, i) => [
    romix(ways, 3 * i + 1, 3 * i + 2),
    blockMix(simd, false, ways),
    blockMix(simd, true, ways),
  ]);
  const paramCounts = wayCounts.flatMap((ways) => [4, 2 * ways + 1, 3 * ways + 1]);
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // types: (i32 × n) -> () for each function, in function order
  const types = [paramCounts.length];
  for (const n of paramCounts) types.push(0x60, n, ...Array<number>(n).fill(I32), 0);
  out.push(1);
  sized(out, types);
  const imports = [1];
  name(imports, 'env');
  name(imports, 'memory');
  imports.push(0x02, 0x00, 1); // memory, at least one page
  out.push(2);
  sized(out, imports);
  out.push(3); // functions: their types
  sized(out, [bodies.length, ...bodies.map((_, i) => i)]);
  const exports = [wayCounts.length];
  wayCounts.forEach((ways, i) => {
    name(exports, ways === 1 ? 'romix' : `romix${ways}`);
    exports.push(0x00, 3 * i); // function
  });
  out.push(7);
  sized(out, exports);
  const code = [bodies.length];
  for (const body of bodies) body.emit(code);
  out.push(10);
  sized(out, code);
  return new Uint8Array(out);
}
