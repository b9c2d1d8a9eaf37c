/**
 * restic index and crypto benchmark.
 *  1. A synthetic index of N blobs (default 2,000,000) as restic writes it (JSON index files of
 *     50,000 blobs, spec §9.1): parse + build time, bytes per blob, heap growth, lookup rate.
 *  2. Blob decrypt + verify (AES-256-CTR, Poly1305-AES, SHA-256 of the plaintext; spec §4, §8.5)
 *     on 1 MiB objects, portable path vs fast path.
 *  3. zstd decode throughput of @bokuweb/zstd-wasm and fzstd on real restic blobs (zstd-codec was
 *     measured too and removed; see RESULTS.md):
 *     a repository made here by the real restic (text-like data, compression auto), each data
 *     blob's decrypted zstd frame decoded by each library.
 *
 * Run: pnpm vitest run --config bench/index-restic.config.ts   (RESTIC_BENCH_N=2000000)
 * Results go to bench/RESULTS.md under "restic index and crypto".
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createCipheriv, randomFillSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'vitest';

import { poly1305Aes } from '../packages/repo-core/src/crypto/poly1305-aes.js';
import {
  setCryptoPath,
  cryptoUsage,
  resetCryptoUsage,
} from '../packages/repo-core/src/crypto/select.js';
import { sha256 } from '../packages/repo-core/src/crypto/sha256.js';
import {
  forceZstdBackend,
  zstdDecompressSync,
  zstdReady,
} from '../packages/repo-core/src/compress/zstd.js';
import { BlobIndexBuilder } from '../packages/repo-core/src/restic/blob-index.js';
import { decryptObject, type ResticKey } from '../packages/repo-core/src/restic/crypto.js';
import { addIndexFile } from '../packages/repo-core/src/restic/index-file.js';
import { toHex } from '../packages/repo-core/src/restic/ids.js';
import { openRepository } from '../packages/repo-core/src/index.js';
import type { ResticRepository } from '../packages/repo-core/src/restic/repository.js';
import { decodeBlob } from '../packages/repo-core/src/restic/pack.js';
import { toolPath } from '../test/harness/tools.js';

const N = Number(process.env.RESTIC_BENCH_N ?? 2_000_000);
const PER_FILE = 50_000;
const PER_PACK = 16;

const mb = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function indexDocs(ids: Uint8Array): string[] {
  const docs: string[] = [];
  for (let f = 0; f * PER_FILE < N; f++) {
    const packs: string[] = [];
    for (let p = f * PER_FILE; p < Math.min(N, (f + 1) * PER_FILE); p += PER_PACK) {
      const packId = toHex(sha256(new Uint8Array([p & 255, (p >> 8) & 255, (p >> 16) & 255, 7])));
      const blobs: string[] = [];
      let off = 0;
      for (let i = p; i < Math.min(N, p + PER_PACK, (f + 1) * PER_FILE); i++) {
        const len = 1_000_000 + (i % 1000);
        blobs.push(
          `{"id":"${toHex(ids.subarray(32 * i, 32 * i + 32))}","type":"data","offset":${off},"length":${len},"uncompressed_length":${len + 500}}`,
        );
        off += len;
      }
      packs.push(`{"id":"${packId}","blobs":[${blobs.join(',')}]}`);
    }
    docs.push(`{"packs":[${packs.join(',')}]}`);
  }
  return docs;
}

test('restic index and crypto', async () => {
  const out: string[] = [];
  const log = (s: string) => {
    out.push(s);
    console.log(s);
  };

  // 1. index
  const ids = new Uint8Array(32 * N);
  randomFillSync(ids);
  const docs = indexDocs(ids);
  const jsonBytes = docs.reduce((n, d) => n + d.length, 0);
  gc();
  const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  let t = performance.now();
  let builder: BlobIndexBuilder | undefined = new BlobIndexBuilder();
  for (const [i, d] of docs.entries()) addIndexFile(JSON.parse(d), builder, 2, `index ${i}`);
  const tParse = performance.now() - t;
  t = performance.now();
  const index = builder.build();
  const tBuild = performance.now() - t;
  builder = undefined;
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
  const heap1 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  if (!(globalThis as { gc?: unknown }).gc)
    log('index: (no --expose-gc: heap figure is not meaningful)');
  log(
    `index: ${N.toLocaleString('en')} blobs in ${docs.length} index files (${(jsonBytes / 2 ** 20).toFixed(0)} MiB JSON), ${index.packCount.toLocaleString('en')} packs`,
  );
  log(
    `index: parse+add ${tParse.toFixed(0)} ms, sort+build ${tBuild.toFixed(0)} ms, total ${(tParse + tBuild).toFixed(0)} ms`,
  );
  log(
    `index: ${(index.byteSize / N).toFixed(1)} bytes per blob in the typed arrays (incl. pack table); heap+arrayBuffers growth after build ${((heap1 - heap0) / N).toFixed(1)} bytes per blob`,
  );
  const probes = 1_000_000;
  const probeIds: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    const k = (i * 7919) % N;
    probeIds.push(toHex(ids.subarray(32 * k, 32 * k + 32)));
  }
  t = performance.now();
  let found = 0;
  for (let i = 0; i < probes; i++)
    found += index.lookup('data', probeIds[i % probeIds.length]!).length;
  const tLookup = performance.now() - t;
  if (found !== probes) throw new Error(`lookups found ${found} of ${probes}`);
  const raw = ids.subarray(0, 32 * 100_000);
  t = performance.now();
  for (let i = 0; i < probes; i++) {
    const k = i % 100_000;
    if (!index.has('data', raw.subarray(32 * k, 32 * k + 32))) throw new Error('missing');
  }
  const tHas = performance.now() - t;
  log(
    `index: lookup(hex id → locations) ${(((probes / tLookup) * 1000) / 1e6).toFixed(2)} M/s; has(raw id) ${(((probes / tHas) * 1000) / 1e6).toFixed(2)} M/s`,
  );

  // 2. decrypt + verify
  const key: ResticKey = {
    enc: randomFillSync(new Uint8Array(32)),
    macK: randomFillSync(new Uint8Array(16)),
    macR: randomFillSync(new Uint8Array(16)),
  };
  const objects: { obj: Uint8Array; id: string }[] = [];
  for (let i = 0; i < 48; i++) {
    const plain = randomFillSync(new Uint8Array(1 << 20));
    const iv = randomFillSync(new Uint8Array(16));
    const ct = new Uint8Array(createCipheriv('aes-256-ctr', key.enc, iv).update(plain));
    objects.push({
      obj: Uint8Array.from([...iv, ...ct, ...poly1305Aes(key.macK, key.macR, iv, ct)]),
      id: toHex(sha256(plain)),
    });
  }
  for (const path of ['portable', 'fast'] as const) {
    setCryptoPath(path);
    resetCryptoUsage();
    const rounds = path === 'fast' ? 8 : 1;
    t = performance.now();
    for (let r = 0; r < rounds; r++)
      for (const o of objects)
        await decodeBlob(key, o.obj, {
          id: o.id,
          type: 'data',
          packId: 'bench',
          uncompressedLength: 0,
        });
    const ms = performance.now() - t;
    const bytes = rounds * objects.length * (1 << 20);
    log(
      `decrypt+verify 1 MiB blobs, ${path} path: ${mb(bytes, ms)} MB/s (poly1305 ${JSON.stringify(cryptoUsage.poly1305)}, aes-ctr ${JSON.stringify(cryptoUsage['aes-ctr'])})`,
    );
    // the parts
    t = performance.now();
    for (let r = 0; r < rounds; r++) for (const o of objects) decryptObject(key, o.obj);
    log(`  of which MAC+decrypt: ${mb(bytes, performance.now() - t)} MB/s`);
  }
  setCryptoPath('auto');

  // 3. zstd on real restic blobs
  const work = mkdtempSync(join(tmpdir(), 'salvage-bench-'));
  try {
    const src = join(work, 'src');
    mkdirSync(src);
    // log-like text: random words and numbers (so the chunker finds no duplicates)
    const rnd = randomFillSync(new Uint32Array(8 * 2 ** 20));
    const words = Array.from(
      { length: 3000 },
      (_, i) => `w${rnd[i]! % 99991}${'abcdefg'.slice(0, i % 7)}`,
    );
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 48 * 2 ** 20; i += 4) {
      const r = rnd.subarray(i % (rnd.length - 4));
      const line = `${r[0]! % 100000} ${words[r[1]! % words.length]} ${words[r[2]! % words.length]} status=ok latency=${r[3]! % 997}ms\n`;
      lines.push(line);
      size += line.length;
    }
    writeFileSync(join(src, 'log.txt'), lines.join(''));
    const env = { ...process.env, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: join(work, 'c') };
    execFileSync(toolPath('restic'), ['-r', join(work, 'repo'), 'init', '-q'], { env });
    execFileSync(toolPath('restic'), ['-r', join(work, 'repo'), 'backup', '-q', '.'], {
      env,
      cwd: src,
    });
    const repo = (await openRepository(join(work, 'repo'), {
      password: 'bench',
      cacheDir: false,
    })) as ResticRepository;
    const idx = await repo.index();
    const frames: { frame: Uint8Array; size: number }[] = [];
    for (const loc of idx.entries()) {
      if (loc.type !== 'data' || loc.uncompressedLength === 0) continue;
      const stored = await repo.storage.read(`data/${loc.packId.slice(0, 2)}/${loc.packId}`, {
        offset: loc.offset,
        length: loc.length,
      });
      frames.push({ frame: decryptObject(repo.key, stored), size: loc.uncompressedLength });
    }
    const total = frames.reduce((n, f) => n + f.size, 0);
    const stored = frames.reduce((n, f) => n + f.frame.length, 0);
    log(
      `zstd: ${frames.length} real restic data blobs, ${(total / 2 ** 20).toFixed(1)} MiB → ${(stored / 2 ** 20).toFixed(1)} MiB compressed`,
    );
    await zstdReady();
    const libs: [string, (f: { frame: Uint8Array; size: number }) => Uint8Array][] = [
      [
        '@bokuweb/zstd-wasm (via compress/zstd.ts)',
        (f) => {
          forceZstdBackend('wasm');
          return zstdDecompressSync(f.frame, { maxLength: f.size, exactLength: f.size });
        },
      ],
      [
        'fzstd (via compress/zstd.ts)',
        (f) => {
          forceZstdBackend('js');
          return zstdDecompressSync(f.frame, { maxLength: f.size, exactLength: f.size });
        },
      ],
    ];
    for (const [name, dec] of libs) {
      for (const f of frames.slice(0, 2)) dec(f); // warm up
      t = performance.now();
      let n = 0;
      for (const f of frames) n += dec(f).length;
      const ms = performance.now() - t;
      if (n !== total) throw new Error(`${name} produced ${n} bytes, expected ${total}`);
      log(`zstd decode ${name}: ${mb(total, ms)} MB/s of output`);
    }
    forceZstdBackend(undefined);
    await repo.close();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  mkdirSync(join(process.cwd(), 'bench', 'out'), { recursive: true });
  writeFileSync(join(process.cwd(), 'bench', 'out', 'index-restic.txt'), out.join('\n') + '\n');
});
