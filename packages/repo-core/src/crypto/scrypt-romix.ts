/**
 * ROMix of scrypt lanes in WebAssembly (module from scrypt-wasm.ts), one lane or two interleaved
 * at a time, the same code on the calling thread and in scrypt workers (scrypt-worker.ts). The
 * SIMD module is embedded (scrypt-wasm-bytes.ts: emitting it at run time cost ~6 ms of cold
 * JavaScript per thread); the scalar one is emitted only where a runtime lacks WebAssembly SIMD.
 * Measured here, N=2^15 r=8, a lane after the first: SIMD 53 ms (34 ms in a pair), scalar
 * 80 ms, OpenSSL 95 ms. A fresh lane's first run also pays ~22 ms of page faults for its 32 MiB.
 *
 * Each `RomixRunner` owns its scratch memory (128·r·(N+2) bytes a lane in flight: V, X, Y),
 * reused for every lane it runs and dropped with it: nothing is kept between derivations.
 */

import { ROMIX_SIMD_WASM } from './scrypt-wasm-bytes.js';
import { romixWasm } from './scrypt-wasm.js';

/** a compiled ROMix module and whether it wants blocks in SIMD order */
export interface RomixModule {
  module: WebAssembly.Module;
  simd: boolean;
}

let best: RomixModule | null | undefined;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function compile(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | undefined {
  try {
    return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : undefined;
  } catch {
    return undefined;
  }
}

/** The fastest ROMix this runtime compiles (SIMD, else scalar), or undefined without WebAssembly. */
export function romixModule(variant: 'best' | 'scalar' = 'best'): RomixModule | undefined {
  if (typeof WebAssembly !== 'object') return undefined;
  if (variant === 'scalar') {
    const module = compile(romixWasm(false));
    return module && { module, simd: false };
  }
  if (best === undefined) {
    const simd = compile(decodeBase64(ROMIX_SIMD_WASM));
    best = simd ? { module: simd, simd: true } : (romixModule('scalar') ?? null);
  }
  return best ?? undefined;
}

/** SIMD order of each 64-byte block's words: out[k] = in[5k mod 16] (scrypt-wasm.ts), or back */
function permute(words: Uint32Array, inverse: boolean): void {
  const tmp = words.slice();
  for (let base = 0; base < words.length; base += 16)
    for (let k = 0; k < 16; k++) {
      const w = base + ((5 * k) % 16);
      if (inverse) words[w] = tmp[base + k]!;
      else words[base + k] = tmp[w]!;
    }
}

const WASM_PAGE = 65536;

type RomixFn = (r: number, N: number, from: number, to: number) => void;

/** Salsa20/8 blocks per slice (2^14 / 2r BlockMix steps), about 1 ms */
const SLICE_SALSA = 2 ** 14;

export class RomixRunner {
  private readonly memory: WebAssembly.Memory;
  private readonly one: RomixFn;
  private readonly two: RomixFn | undefined;
  private readonly blockBytes: number;
  /** bytes of one lane's V, X and Y */
  private readonly laneBytes: number;

  /** Throws (a RangeError) when the memory cannot be had; callers fall back. */
  constructor(
    private readonly r: number,
    private readonly N: number,
    private readonly romix: RomixModule,
  ) {
    this.blockBytes = 128 * r;
    this.laneBytes = this.blockBytes * (N + 2);
    if (this.laneBytes > 2 ** 32) throw new RangeError('scrypt: ROMix memory beyond 4 GiB');
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(this.laneBytes / WASM_PAGE) });
    const { exports } = new WebAssembly.Instance(romix.module, { env: { memory: this.memory } });
    this.one = exports.romix as RomixFn;
    this.two = exports.romix2 as RomixFn | undefined;
  }

  /**
   * B_i = ROMix(B_i) in place; `lane` is 128·r bytes. With `abandon`, asked about every ~1 ms:
   * stops when it says so and returns false, the lane untouched.
   */
  run(lane: Uint8Array, abandon?: () => boolean): boolean {
    this.put(lane, 0);
    if (!this.steps(this.one, abandon)) return false;
    this.take(lane, 0);
    return true;
  }

  /**
   * Two lanes at once, interleaved (~1.5× one lane's time, scrypt-wasm.ts), in twice the memory;
   * one after the other where the module has no romix2 or the memory cannot grow. `abandon` as
   * for run: false means neither lane was touched.
   */
  run2(a: Uint8Array, b: Uint8Array, abandon?: () => boolean): boolean {
    if (this.two && this.fits(2)) {
      this.put(a, 0);
      this.put(b, this.laneBytes);
      if (!this.steps(this.two, abandon)) return false;
      this.take(a, 0);
      this.take(b, this.laneBytes);
      return true;
    }
    const a2 = a.slice();
    if (!this.run(a2, abandon) || !this.run(b, abandon)) return false;
    a.set(a2);
    return true;
  }

  /** all 2·N steps of ROMix, in slices when there is `abandon` to ask */
  private steps(fn: RomixFn, abandon: (() => boolean) | undefined): boolean {
    const total = 2 * this.N;
    const slice = abandon ? Math.max(1, Math.floor(SLICE_SALSA / (2 * this.r))) : total;
    for (let from = 0; from < total; from += slice) {
      if (abandon?.()) return false;
      fn(this.r, this.N, from, Math.min(total, from + slice));
    }
    return true;
  }

  /** grows the memory to `lanes` lanes' worth if it can */
  private fits(lanes: number): boolean {
    const pages = Math.ceil((lanes * this.laneBytes) / WASM_PAGE);
    const have = this.memory.buffer.byteLength / WASM_PAGE;
    if (pages <= have) return true;
    try {
      this.memory.grow(pages - have);
      return true;
    } catch {
      return false;
    }
  }

  /** the lane into V[0] of the lane region at `base` */
  private put(lane: Uint8Array, base: number): void {
    const { blockBytes, memory } = this;
    new Uint8Array(memory.buffer, base, blockBytes).set(lane);
    if (this.romix.simd) permute(new Uint32Array(memory.buffer, base, blockBytes / 4), false);
  }

  /** the result, X of the lane region at `base`, into the lane */
  private take(lane: Uint8Array, base: number): void {
    const { blockBytes, memory } = this;
    const at = base + blockBytes * this.N;
    if (this.romix.simd) permute(new Uint32Array(memory.buffer, at, blockBytes / 4), true);
    lane.set(new Uint8Array(memory.buffer, at, blockBytes));
  }
}

/**
 * Takes lanes from the shared counter `next` until none is left (two at a time when `pairs`
 * and two are left) and runs them: `lane(i)` is lane i's bytes, `done(i)` is called after it.
 * The runner is made on the first lane taken.
 */
export function runClaimedLanes(
  next: Int32Array,
  p: number,
  pairs: boolean,
  runner: () => RomixRunner,
  lane: (i: number) => Uint8Array,
  done: (i: number) => void,
): void {
  for (;;) {
    const i = Atomics.add(next, 0, pairs ? 2 : 1);
    if (i >= p) return;
    if (pairs && i + 1 < p) {
      runner().run2(lane(i), lane(i + 1));
      done(i);
      done(i + 1);
    } else {
      runner().run(lane(i));
      done(i);
    }
  }
}
