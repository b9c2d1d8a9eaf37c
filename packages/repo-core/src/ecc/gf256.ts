/**
 * Arithmetic in GF(2^8) with the reducing polynomial x^8+x^4+x^3+x^2+1 (0x11D) and generator 2,
 * and the small matrix algebra Reed-Solomon needs (spec §6.5; klauspost/reedsolomon v1.12.6
 * galois.go `galExp`, matrix.go `vandermonde`, `Invert`, `Multiply`).
 */

const EXP = new Uint8Array(510);
const LOG = new Uint8Array(256);
(() => {
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 510; i++) EXP[i] = EXP[i - 255]!;
})();

export function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('GF(256): zero has no inverse');
  return EXP[255 - LOG[a]!]!;
}

/** a^n, with 0^0 = 1 (galExp). */
export function gfExp(a: number, n: number): number {
  if (n === 0) return 1;
  if (a === 0) return 0;
  return EXP[(LOG[a]! * n) % 255]!;
}

/** Rows of bytes; matrices here are at most 256 × 256. */
export type Matrix = Uint8Array[];

export function vandermonde(rows: number, cols: number): Matrix {
  const m: Matrix = [];
  for (let r = 0; r < rows; r++) {
    const row = new Uint8Array(cols);
    for (let c = 0; c < cols; c++) row[c] = gfExp(r, c);
    m.push(row);
  }
  return m;
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  const inner = b.length;
  const cols = b[0]!.length;
  return a.map((row) => {
    const out = new Uint8Array(cols);
    for (let c = 0; c < cols; c++) {
      let v = 0;
      for (let k = 0; k < inner; k++) v ^= gfMul(row[k]!, b[k]![c]!);
      out[c] = v;
    }
    return out;
  });
}

/** Gauss-Jordan inverse of a square matrix; undefined when singular. */
export function invert(m: Matrix): Matrix | undefined {
  const n = m.length;
  const work = m.map((row, i) => {
    const r = new Uint8Array(2 * n);
    r.set(row);
    r[n + i] = 1;
    return r;
  });
  for (let col = 0; col < n; col++) {
    let pivot = col;
    while (pivot < n && work[pivot]![col] === 0) pivot++;
    if (pivot === n) return undefined;
    [work[col], work[pivot]] = [work[pivot]!, work[col]!];
    const pr = work[col]!;
    const inv = gfInv(pr[col]!);
    for (let k = 0; k < 2 * n; k++) pr[k] = gfMul(pr[k]!, inv);
    for (let r = 0; r < n; r++) {
      const row = work[r]!;
      const f = row[col]!;
      if (r === col || f === 0) continue;
      for (let k = 0; k < 2 * n; k++) row[k]! ^= gfMul(f, pr[k]!);
    }
  }
  return work.map((r) => r.slice(n));
}

/** dst ^= c · src, element-wise (the inner loop of encoding and reconstruction). */
export function mulAddInto(dst: Uint8Array, src: Uint8Array, c: number): void {
  if (c === 0) return;
  const lc = LOG[c]!;
  for (let i = 0; i < dst.length; i++) {
    const s = src[i]!;
    if (s !== 0) dst[i]! ^= EXP[lc + LOG[s]!]!;
  }
}
