/**
 * The WebAssembly bytes of scrypt's ROMix (RFC 7914 §5-6: BlockMix over Salsa20/8), written out
 * by a small emitter here rather than embedded: there is no wasm toolchain in this project, and
 * ~200 lines that spell each instruction are easier to review than an opaque byte array and the
 * script that made it. Emitting takes well under a millisecond.
 *
 * Two variants of the same function: scalar i32 (i32.rotl) and SIMD (v128), where a Salsa20
 * block is four i32x4 rows holding its diagonals, so each quarter-round works on four columns at
 * once (the layout of Percival's scrypt `crypto_scrypt_smix_sse2.c`). The SIMD variant wants its
 * blocks' words in that order: `toSimdOrder`/`fromSimdOrder` (scrypt-romix.ts) permute the
 * lane once before and after, and every word between stays permuted (xor and add are
 * elementwise). Integerify reads word 0 of the last block, which the permutation leaves in place.
 *
 * Module: imports `env.memory`, exports `romix(r, N)`. Memory layout, in 128·r byte blocks:
 * V[0..N-1], then X = V[N], then Y. The caller writes the lane to V[0], calls romix, and reads
 * the result from X (offset 128·r·N). The first loop is then V[i+1] = BlockMix(V[i]), which ends
 * with X; the second alternates X and Y, and N (a power of two > 1) being even, ends in X.
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
const SHIFTS = [7, 9, 13, 18];

/**
 * Emits the state update of one Salsa20/8 block: x = x + salsa20_8(x) where `x` holds 16 i32
 * locals (scalar) or 4 v128 locals in diagonal order (SIMD); `y` is scratch of the same shape.
 */
function emitSalsa(f: Body, simd: boolean, x: number[], y: number[], t: number): void {
  for (let k = 0; k < x.length; k++) f.get(x[k]!).set(y[k]!);
  for (let round = 0; round < 4; round++) {
    if (!simd) {
      for (const set of [COLUMNS, ROWS])
        for (const [a, b, c, d] of set as [number, number, number, number][]) {
          const steps: [number, number, number][] = [
            [b, a, d],
            [c, b, a],
            [d, c, b],
            [a, d, c],
          ];
          steps.forEach(([dst, p, q], s) => {
            f.get(y[dst]!).get(y[p]!).get(y[q]!).add().i32(SHIFTS[s]!).rotl().xor().set(y[dst]!);
          });
        }
      continue;
    }
    // rows Y0..Y3 hold the diagonals; a column step is then Y1 ^= (Y0+Y3)<<<7, … lane by lane,
    // and rotating Y1..Y3 by 3, 2, 1 lanes turns the rows' steps into the same pattern
    const [y0, y1, y2, y3] = y as [number, number, number, number];
    const half = (order: [number, number, number, number]) => {
      const [a, b, c, d] = order;
      const steps: [number, number, number][] = [
        [b, a, d],
        [c, b, a],
        [d, c, b],
        [a, d, c],
      ];
      steps.forEach(([dst, p, q], s) => {
        const sh = SHIFTS[s]!;
        f.get(dst).get(p).get(q).vadd().tee(t).i32(sh).vshl().vxor();
        f.get(t)
          .i32(32 - sh)
          .vshr()
          .vxor()
          .set(dst);
      });
    };
    half([y0, y1, y2, y3]);
    f.get(y1).get(y1).vrotLanes(3).set(y1);
    f.get(y2).get(y2).vrotLanes(2).set(y2);
    f.get(y3).get(y3).vrotLanes(1).set(y3);
    half([y0, y3, y2, y1]);
    f.get(y1).get(y1).vrotLanes(1).set(y1);
    f.get(y2).get(y2).vrotLanes(2).set(y2);
    f.get(y3).get(y3).vrotLanes(3).set(y3);
  }
  for (let k = 0; k < x.length; k++) f.get(x[k]!).get(y[k]!)[simd ? 'vadd' : 'add']().set(x[k]!);
}

/**
 * BlockMix (RFC 7914 §4) from `src` (xored with `src2` when `withXor`) to `dst`, 2·r blocks of
 * 64 bytes: params (src, [src2,] dst, r). dst must not overlap the inputs.
 */
function blockMix(simd: boolean, withXor: boolean): Body {
  const nParams = withXor ? 4 : 3;
  const f = new Body(nParams);
  const src = 0;
  const src2 = withXor ? 1 : -1;
  const dst = nParams - 2;
  const r = nParams - 1;
  const words = simd ? 4 : 16;
  const step = simd ? 16 : 4;
  const type = simd ? V128 : I32;
  const x = Array.from({ length: words }, () => f.local(type));
  const y = Array.from({ length: words }, () => f.local(type));
  const t = simd ? f.local(V128) : -1;
  const odd = f.local(I32);
  const count = f.local(I32);
  const last = f.local(I32);

  /** x[k] = [x[k] ^] in[k] [^ in2[k]] for the block at base + offset */
  const absorb = (base: number, base2: number, offset: number, first: boolean) => {
    for (let k = 0; k < words; k++) {
      if (!first) f.get(x[k]!);
      f.get(base);
      if (simd) f.vload(offset + k * step);
      else f.load(offset + k * step);
      if (!first) f[simd ? 'vxor' : 'xor']();
      if (withXor) {
        f.get(base2);
        if (simd) f.vload(offset + k * step);
        else f.load(offset + k * step);
        f[simd ? 'vxor' : 'xor']();
      }
      f.set(x[k]!);
    }
  };
  const emit = (base: number) => {
    for (let k = 0; k < words; k++) {
      f.get(base).get(x[k]!);
      if (simd) f.vstore(k * step);
      else f.store(k * step);
    }
  };

  // X = B[2r-1] (offset 128·r - 64 of the input)
  f.get(r).i32(128).mul().i32(64).sub().set(last);
  f.get(src).get(last).add().set(last);
  let last2 = -1;
  if (withXor) {
    last2 = f.local(I32);
    f.get(r).i32(128).mul().i32(64).sub().get(src2).add().set(last2);
  }
  absorb(last, last2, 0, true);
  // even outputs go to dst[0..r-1], odd ones to dst[r..2r-1]
  f.get(dst).get(r).i32(64).mul().add().set(odd);
  f.get(r).set(count);
  f.countdown(count, () => {
    absorb(src, src2, 0, false);
    emitSalsa(f, simd, x, y, t);
    emit(dst);
    absorb(src, src2, 64, false);
    emitSalsa(f, simd, x, y, t);
    emit(odd);
    f.get(src).i32(128).add().set(src);
    if (withXor) f.get(src2).i32(128).add().set(src2);
    f.get(dst).i32(64).add().set(dst);
    f.get(odd).i32(64).add().set(odd);
  });
  return f;
}

/** romix(r, N): ROMix (RFC 7914 §5) on the lane at V[0], result in X; see the header */
function romix(): Body {
  const f = new Body(2);
  const [r, n] = [0, 1];
  const bs = f.local(I32);
  const p = f.local(I32);
  const count = f.local(I32);
  const x = f.local(I32);
  const y = f.local(I32);
  const tmp = f.local(I32);
  const BLOCKMIX = 1;
  const BLOCKMIX_XOR = 2;
  f.get(r).i32(128).mul().set(bs);
  // V[i+1] = BlockMix(V[i]) for i < N; V[N] is X
  f.i32(0).set(p);
  f.get(n).set(count);
  f.countdown(count, () => {
    f.get(p).get(p).get(bs).add().get(r).call(BLOCKMIX);
    f.get(p).get(bs).add().set(p);
  });
  f.get(p).set(x);
  f.get(p).get(bs).add().set(y);
  // X = BlockMix(X ^ V[Integerify(X) mod N]) N times, alternating between X and Y
  f.get(n).set(count);
  f.countdown(count, () => {
    f.get(x);
    f.get(x).get(bs).add().i32(64).sub().load(0).get(n).i32(1).sub().and().get(bs).mul();
    f.get(y).get(r).call(BLOCKMIX_XOR);
    f.get(x).set(tmp).get(y).set(x).get(tmp).set(y);
  });
  return f;
}

/** the module's bytes, SIMD or scalar */
export function romixWasm(simd: boolean): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types = [
    [0x60, 2, I32, I32, 0], // romix(r, N)
    [0x60, 3, I32, I32, I32, 0], // blockMix(src, dst, r)
    [0x60, 4, I32, I32, I32, I32, 0], // blockMixXor(src, src2, dst, r)
  ];
  out.push(1); // type section
  sized(out, [types.length, ...types.flat()]);
  const imports = [1];
  name(imports, 'env');
  name(imports, 'memory');
  imports.push(0x02, 0x00, 1); // memory, at least one page
  out.push(2);
  sized(out, imports);
  out.push(3); // functions: their types
  sized(out, [3, 0, 1, 2]);
  const exports = [1];
  name(exports, 'romix');
  exports.push(0x00, 0); // function 0
  out.push(7);
  sized(out, exports);
  const code = [3];
  for (const body of [romix(), blockMix(simd, false), blockMix(simd, true)]) body.emit(code);
  out.push(10);
  sized(out, code);
  return new Uint8Array(out);
}
