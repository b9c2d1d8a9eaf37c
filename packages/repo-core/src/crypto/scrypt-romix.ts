/**
 * ROMix for one scrypt lane at a time in WebAssembly, the same code on the calling thread and in
 * scrypt workers (scrypt-worker.ts). The SIMD module is embedded (scrypt-wasm-bytes.ts, made
 * by the emitter in scrypt-wasm.ts: emitting it at run time cost ~6 ms of cold JavaScript per
 * thread); the scalar one is emitted only where a runtime lacks WebAssembly SIMD.
 * Measured here, N=2^15 r=8, one lane after the first: SIMD 55 ms, scalar 80 ms, OpenSSL 95 ms.
 *
 * Each `RomixRunner` owns its scratch memory (128·r·(N+2) bytes: V, X, Y), reused for every
 * lane it runs and dropped with it: nothing is kept between derivations.
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

export class RomixRunner {
  private readonly memory: WebAssembly.Memory;
  private readonly fn: (r: number, N: number) => void;
  private readonly blockBytes: number;

  /** Throws (a RangeError) when the memory cannot be had; callers fall back. */
  constructor(
    private readonly r: number,
    private readonly N: number,
    private readonly romix: RomixModule,
  ) {
    this.blockBytes = 128 * r;
    const bytes = this.blockBytes * (N + 2);
    if (bytes > 2 ** 32) throw new RangeError('scrypt: ROMix memory beyond 4 GiB');
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / WASM_PAGE) });
    const instance = new WebAssembly.Instance(romix.module, { env: { memory: this.memory } });
    this.fn = instance.exports.romix as (r: number, N: number) => void;
  }

  /** B_i = ROMix(B_i) in place; `lane` is 128·r bytes */
  run(lane: Uint8Array): void {
    const { blockBytes, memory } = this;
    new Uint8Array(memory.buffer, 0, blockBytes).set(lane);
    if (this.romix.simd) permute(new Uint32Array(memory.buffer, 0, blockBytes / 4), false);
    this.fn(this.r, this.N);
    const out = new Uint32Array(memory.buffer, blockBytes * this.N, blockBytes / 4);
    if (this.romix.simd) permute(out, true);
    lane.set(new Uint8Array(memory.buffer, out.byteOffset, blockBytes));
  }
}
