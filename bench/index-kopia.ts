/**
 * kopia index benchmark: builds N synthetic contents as kopia v2 index blobs (spec §10.3, the
 * binary layout kopia writes), then times parsing + the k-way merge into ContentIndex, and
 * measures bytes per content (typed arrays), heap growth and lookup rate.
 *
 * Run: pnpm vitest run --config bench/index-kopia.config.ts   (KOPIA_BENCH_N=2000000 default)
 * Results go to bench/RESULTS.md under "kopia index".
 */
import { randomFillSync } from 'node:crypto';

import { test } from 'vitest';

import { ContentIndex } from '../packages/repo-core/src/kopia/content-index.js';
import { parseIndexBlob } from '../packages/repo-core/src/kopia/index-blob.js';

const N = Number(process.env.KOPIA_BENCH_N ?? 2_000_000);
const BLOBS = Number(process.env.KOPIA_BENCH_BLOBS ?? 20);
const PER_PACK = 4000;
const KEY = 17; // prefix byte + 128-bit hash (BLAKE2B-256-128, the default)
const ENTRY = 16;

/** one v2 index blob holding `keys` (already sorted), entries spread over packs */
function encodeV2(keys: Uint8Array, count: number, firstPack: number, ts: number): Uint8Array {
  const packCount = Math.ceil(count / PER_PACK);
  const stride = KEY + ENTRY;
  const packsOff = 17 + count * stride;
  const formatsOff = packsOff + packCount * 5;
  const namesOff = formatsOff + 6;
  const NAME = 54; // p + 32 hex + -s + 16 hex + 3
  const buf = new Uint8Array(namesOff + packCount * NAME);
  const dv = new DataView(buf.buffer);
  buf[0] = 2;
  buf[1] = KEY;
  dv.setUint16(2, ENTRY);
  dv.setUint32(4, count);
  dv.setUint32(8, packCount);
  buf[12] = 1;
  for (let i = 0; i < count; i++) {
    const o = 17 + i * stride;
    buf.set(keys.subarray(i * KEY, (i + 1) * KEY), o);
    const v = o + KEY;
    dv.setUint32(v, ts);
    dv.setUint32(v + 4, (i % PER_PACK) * 8192);
    const len = 4096 + (i % 4096);
    buf[v + 8] = len >> 16;
    dv.setUint16(v + 9, len & 0xffff);
    buf[v + 11] = (len + 28) >> 16;
    dv.setUint16(v + 12, (len + 28) & 0xffff);
    dv.setUint16(v + 14, Math.floor(i / PER_PACK));
  }
  for (let p = 0; p < packCount; p++) {
    const at = packsOff + p * 5;
    buf[at] = NAME;
    dv.setUint32(at + 1, namesOff + p * NAME);
    const name = `p${(firstPack + p).toString(16).padStart(32, '0')}-s0011223344556677148`;
    for (let c = 0; c < NAME; c++) buf[namesOff + p * NAME + c] = name.charCodeAt(c);
  }
  return buf;
}

function sortKeys(keys: Uint8Array, count: number): Uint8Array {
  const idx = new Uint32Array(count).map((_, i) => i);
  const cmp = (a: number, b: number) => {
    for (let k = 0; k < KEY; k++) {
      const d = keys[a * KEY + k]! - keys[b * KEY + k]!;
      if (d) return d;
    }
    return 0;
  };
  idx.sort(cmp);
  const out = new Uint8Array(count * KEY);
  for (let i = 0; i < count; i++)
    out.set(keys.subarray(idx[i]! * KEY, idx[i]! * KEY + KEY), i * KEY);
  return out;
}

test('kopia index: parse and merge', async () => {
  global.gc?.();
  const heapBase = process.memoryUsage();
  const per = Math.ceil(N / BLOBS);
  const blobs: Uint8Array[] = [];
  const sample: Uint8Array[] = [];
  for (let b = 0; b < BLOBS; b++) {
    const count = Math.min(per, N - b * per);
    const keys = new Uint8Array(count * KEY);
    randomFillSync(keys);
    for (let i = 0; i < count; i++) {
      // 95% file data (no prefix), the rest k/x/m metadata
      const r = keys[i * KEY + 1]! % 100;
      keys[i * KEY] = r < 95 ? 0 : r < 98 ? 0x6b : r < 99 ? 0x78 : 0x6d;
    }
    const sorted = sortKeys(keys, count);
    for (let s = 0; s < 1000; s++) {
      const i = (s * 7919) % count;
      sample.push(sorted.slice(i * KEY, i * KEY + KEY));
    }
    blobs.push(encodeV2(sorted, count, b * 1000, 1_700_000_000 + b));
  }
  const rawBytes = blobs.reduce((a, b) => a + b.length, 0);
  sample.length = Math.min(sample.length, 20000);
  // three loads; the last one is kept and measured
  const times: { parse: number; merge: number }[] = [];
  let ix: ContentIndex | undefined;
  for (let run = 0; run < 3; run++) {
    ix = undefined;
    global.gc?.();
    const t0 = performance.now();
    const parsed = blobs.map((b, i) => parseIndexBlob(b, `xn0_${i}`, 28));
    const t1 = performance.now();
    ix = ContentIndex.merge(parsed);
    parsed.length = 0; // the bench scope would otherwise keep the last run's blobs alive
    times.push({ parse: t1 - t0, merge: performance.now() - t1 });
  }
  if (!ix) throw new Error('no index');
  blobs.length = 0;
  // array buffers of dropped blobs are released over several collections
  for (let i = 0; i < 8; i++) {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
  const heap1 = process.memoryUsage();
  const total = times.map((t) => t.parse + t.merge).sort((a, b) => a - b);

  const ids = sample.map((k) => {
    const p = k[0] ? String.fromCharCode(k[0]) : '';
    return p + Buffer.from(k.subarray(1)).toString('hex');
  });
  const t3 = performance.now();
  let found = 0;
  const rounds = 100;
  for (let r = 0; r < rounds; r++) for (const id of ids) if (ix.get(id)) found++;
  const t4 = performance.now();
  let manifests = 0;
  const t5 = performance.now();
  for (const _ of ix.withPrefix('m')) manifests++;
  const t6 = performance.now();

  const lines = [
    `contents: ${ix.count.toLocaleString('en')} in ${BLOBS} index blobs (${(rawBytes / 2 ** 20).toFixed(1)} MiB decrypted)`,
    `typed arrays: ${(ix.byteSize / 2 ** 20).toFixed(1)} MiB = ${(ix.byteSize / ix.count).toFixed(1)} bytes/content`,
    `load (parse + merge) of 3 runs: min ${total[0]!.toFixed(0)} ms, median ${total[1]!.toFixed(0)} ms, max ${total[2]!.toFixed(0)} ms (parse ${times[0]!.parse.toFixed(0)} ms)`,
    `heap + arrayBuffers after load, index blobs dropped (gc ${global.gc ? 'on' : 'off'}): +${((heap1.heapUsed + heap1.arrayBuffers - heapBase.heapUsed - heapBase.arrayBuffers) / 2 ** 20).toFixed(1)} MiB`,
    `lookups: ${((found / (t4 - t3)) * 1000).toFixed(0)} /s (${found} hits of ${ids.length * rounds})`,
    `prefix scan 'm': ${manifests} entries in ${(t6 - t5).toFixed(1)} ms`,
  ];
  console.log(lines.join('\n'));
}, 600_000);
