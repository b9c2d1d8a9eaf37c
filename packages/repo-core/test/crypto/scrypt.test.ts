/**
 * scrypt on our WebAssembly ROMix (crypto/scrypt.ts, scrypt-lanes.ts): RFC 7914 §12 vectors,
 * random parameters against node:crypto on one thread and on several, path accounting, hostile
 * parameters refused before any work, and workers that fail (cannot start, die holding a lane)
 * giving the same key from the calling thread. The module itself: scrypt-wasm.test.ts.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomInt, scryptSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

import {
  scrypt,
  ScryptParamsError,
  scryptWasm,
  type ScryptParams,
} from '../../src/crypto/scrypt.js';
import { romixLanes, scryptLanePlan } from '../../src/crypto/scrypt-lanes.js';
import { cores } from '../../src/util/worker-script.js';
import { cryptoUsage, resetCryptoUsage, setCryptoPath } from '../../src/crypto/select.js';

const enc = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

afterAll(() => setCryptoPath('auto'));

/** RFC 7914 §12 */
const RFC7914 = [
  {
    P: '',
    S: '',
    N: 16,
    r: 1,
    p: 1,
    dk: '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906',
  },
  {
    P: 'password',
    S: 'NaCl',
    N: 1024,
    r: 8,
    p: 16,
    dk: 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
  },
  {
    P: 'pleaseletmein',
    S: 'SodiumChloride',
    N: 16384,
    r: 8,
    p: 1,
    dk: '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887',
  },
  // 1 GiB of scratch, 2.5-3.5 s here: checked once, on the default path only (not also on one
  // and two threads, which would hold 2 GiB)
  {
    P: 'pleaseletmein',
    S: 'SodiumChloride',
    N: 1048576,
    r: 8,
    p: 1,
    dk: '2101cb9b6a511aaeaddbbe09cf70f881ec568d574a2ffd4dabe5ee9820adaa478e56fd8f4ba5d09ffa1c6d927c40f4c337304049e8a952fbcbf45c6fa77a41a4',
    slow: true,
  },
];

describe('RFC 7914 §12 vectors', () => {
  for (const v of RFC7914) {
    const params = { N: v.N, r: v.r, p: v.p, dkLen: 64 };
    it(
      `N=${v.N} r=${v.r} p=${v.p}: scrypt() on the fast path, ours`,
      async () => {
        setCryptoPath('auto');
        resetCryptoUsage();
        expect(hex(await scrypt(enc.encode(v.P), enc.encode(v.S), params))).toBe(v.dk);
        expect(cryptoUsage.scrypt).toEqual({ fast: 1, portable: 0 });
      },
      v.slow ? 60_000 : undefined,
    );
    if (v.slow) continue;
    it(`N=${v.N} r=${v.r} p=${v.p}: one thread, and two`, async () => {
      for (const threads of [1, 2])
        expect(hex(await scryptWasm(enc.encode(v.P), enc.encode(v.S), params, { threads }))).toBe(
          v.dk,
        );
    });
  }
});

function randomParams(): { password: Buffer; salt: Buffer; params: ScryptParams } {
  return {
    password: randomBytes(randomInt(0, 40)),
    salt: randomBytes(randomInt(0, 40)),
    params: {
      N: 2 ** randomInt(1, 15),
      r: randomInt(1, 9),
      p: randomInt(1, 6),
      dkLen: randomInt(1, 129),
    },
  };
}

function nodeScrypt(password: Buffer, salt: Buffer, { N, r, p, dkLen }: ScryptParams): string {
  return scryptSync(password, salt, dkLen, { N, r, p, maxmem: 2 ** 28 }).toString('hex');
}

describe('random parameters equal node:crypto', () => {
  it('on the calling thread, lane by lane and in pairs', async () => {
    for (let t = 0; t < 40; t++) {
      const { password, salt, params } = randomParams();
      const ours = await scryptWasm(password, salt, params, { threads: 1, pairs: t % 2 === 0 });
      expect(hex(ours), JSON.stringify(params)).toBe(nodeScrypt(password, salt, params));
    }
  });

  it('with workers (threads 2 and 3, lanes and pairs, forced even where the work is small)', async () => {
    for (let t = 0; t < 10; t++) {
      const { password, salt, params } = randomParams();
      params.p = Math.max(params.p, 2);
      const ours = await scryptWasm(password, salt, params, {
        threads: 2 + (t % 2),
        pairs: t % 4 < 2,
      });
      expect(hex(ours), JSON.stringify(params)).toBe(nodeScrypt(password, salt, params));
    }
  });

  it('N ≥ 2^(16r), which OpenSSL refuses (scrypt() leaves it to noble): ours equals noble', async () => {
    const { scrypt: noble } = await import('@noble/hashes/scrypt.js');
    const params = { N: 2 ** 17, r: 1, p: 2, dkLen: 64 };
    const want = hex(noble(enc.encode('test'), enc.encode('salt'), params));
    for (const threads of [1, 2])
      expect(
        hex(await scryptWasm(enc.encode('test'), enc.encode('salt'), params, { threads })),
      ).toBe(want);
  });

  it('through scrypt() on either path, counted there', async () => {
    for (const path of ['fast', 'portable'] as const) {
      setCryptoPath(path);
      resetCryptoUsage();
      const { password, salt, params } = randomParams();
      expect(hex(await scrypt(password, salt, params))).toBe(nodeScrypt(password, salt, params));
      expect(cryptoUsage.scrypt).toEqual(
        path === 'fast' ? { fast: 1, portable: 0 } : { fast: 0, portable: 1 },
      );
    }
    setCryptoPath('auto');
  });
});

/** p lanes that keep the calling thread busy well past a worker's start (~45 ms) */
const BUSY: ScryptParams = { N: 2 ** 14, r: 8, p: 8, dkLen: 64 };

/** B as PBKDF2 makes it does not matter here: any lanes, compared with the one-thread result */
async function lanes(threads: number, script?: string): Promise<{ B: string; workers: number }> {
  const B = new Uint8Array(128 * BUSY.r * BUSY.p);
  for (let i = 0; i < B.length; i++) B[i] = (i * 31) & 0xff;
  const workers = await romixLanes(B, BUSY.r, BUSY.N, BUSY.p, { threads, script });
  return { B: hex(B), workers };
}

describe('workers', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'salvage-scrypt-'));
  let expected: string;

  it('take lanes when the calling thread is busy', async () => {
    expected = (await lanes(1)).B;
    const two = await lanes(2);
    expect(two.B).toBe(expected);
    expect(two.workers).toBeGreaterThan(0);
    expect(two.workers).toBeLessThan(BUSY.p);
  });

  it('a worker that cannot start: the calling thread computes every lane', async () => {
    const got = await lanes(3, join(tmp, 'missing-worker.js'));
    expect(got).toEqual({ B: expected, workers: 0 });
  });

  it('a worker that dies holding a lane: that lane is computed again here', async () => {
    const script = join(tmp, 'dying-worker.mjs');
    writeFileSync(
      script,
      "import { workerData } from 'node:worker_threads';\n" +
        'Atomics.add(new Int32Array(workerData.control, 0, 1), 0, 1);\n' +
        "throw new Error('forced scrypt worker failure');\n",
    );
    const got = await lanes(2, script);
    expect(got).toEqual({ B: expected, workers: 0 });
  });

  it('a worker that exits mid-lane after writing garbage into it: same', async () => {
    const script = join(tmp, 'exiting-worker.mjs');
    writeFileSync(
      script,
      "import { workerData } from 'node:worker_threads';\n" +
        'const i = Atomics.add(new Int32Array(workerData.control, 0, 1), 0, 1);\n' +
        'const lane = 128 * workerData.r;\n' +
        'new Uint8Array(workerData.data, i * lane, lane).fill(0xee);\n' +
        'process.exit(3);\n',
    );
    const got = await lanes(2, script);
    expect(got).toEqual({ B: expected, workers: 0 });
  });

  it('a worker that stalls holding a lane is not waited for', async () => {
    const script = join(tmp, 'stalling-worker.mjs');
    writeFileSync(
      script,
      "import { workerData } from 'node:worker_threads';\n" +
        'Atomics.add(new Int32Array(workerData.control, 0, 1), 0, 2);\n' +
        'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);\n',
    );
    const started = Date.now();
    const got = await lanes(2, script);
    expect(got).toEqual({ B: expected, workers: 0 });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('never keep the process alive (a plain node process from dist exits at once)', async () => {
    const dist = fileURLToPath(new URL('../../dist/crypto/scrypt.js', import.meta.url));
    const code =
      `const { scryptWasm } = await import(${JSON.stringify(dist)});\n` +
      'const k = await scryptWasm(new Uint8Array(3), new Uint8Array(5), { N: 2 ** 14, r: 8, p: 4, dkLen: 16 }, { threads: 2 });\n' +
      "console.log(Buffer.from(k).toString('hex'));\n";
    const started = Date.now();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', code],
        { timeout: 20_000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    expect(out.trim()).toBe(
      scryptSync(new Uint8Array(3), new Uint8Array(5), 16, { N: 2 ** 14, r: 8, p: 4 }).toString(
        'hex',
      ),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('lane plan', () => {
  const two = Math.min(2, cores());

  it('pairs, on threads up to the cores for what pairs leave; 1 thread up to 2^20 of work', () => {
    expect(scryptLanePlan(8, 2 ** 15, 8, 0)).toEqual({ threads: two, pairs: true });
    expect(scryptLanePlan(8, 2 ** 16, 4, 0)).toEqual({ threads: two, pairs: true });
    expect(scryptLanePlan(8, 2 ** 15, 5, 0)).toEqual({ threads: two, pairs: true });
    expect(scryptLanePlan(8, 2 ** 15, 4, 0)).toEqual({ threads: 1, pairs: true });
    expect(scryptLanePlan(8, 2 ** 15, 2, 0)).toEqual({ threads: 1, pairs: true });
    expect(scryptLanePlan(8, 2 ** 16, 1, 0)).toEqual({ threads: 1, pairs: false });
    expect(scryptLanePlan(1, 16, 4, 0)).toEqual({ threads: 1, pairs: true });
    // 1 GiB a lane: one lane at a time, on one thread
    expect(scryptLanePlan(8, 2 ** 20, 4, 0)).toEqual({ threads: 1, pairs: false });
    // 256 MiB a lane: pairs on two threads would be 1 GiB; two threads of one lane are not
    expect(scryptLanePlan(8, 2 ** 18, 4, 0)).toEqual({ threads: two, pairs: false });
  });

  it('only cores the load average leaves idle', () => {
    const n = cores();
    expect(scryptLanePlan(8, 2 ** 15, 64, n).threads).toBe(1);
    expect(scryptLanePlan(8, 2 ** 15, 64, n + 3).threads).toBe(1);
    expect(scryptLanePlan(8, 2 ** 15, 64, n - 1).threads).toBe(1);
    expect(scryptLanePlan(8, 2 ** 15, 64, Math.max(0, n - 2.2)).threads).toBe(two);
  });

  it('SALVAGE_SCRYPT_THREADS overrides cores and load', () => {
    const saved = process.env.SALVAGE_SCRYPT_THREADS;
    try {
      process.env.SALVAGE_SCRYPT_THREADS = '1';
      expect(scryptLanePlan(8, 2 ** 15, 4, 0).threads).toBe(1);
      process.env.SALVAGE_SCRYPT_THREADS = '3';
      expect(scryptLanePlan(8, 2 ** 15, 6, 100).threads).toBe(3);
      expect(scryptLanePlan(1, 16, 6, 0).threads).toBe(3);
    } finally {
      if (saved === undefined) delete process.env.SALVAGE_SCRYPT_THREADS;
      else process.env.SALVAGE_SCRYPT_THREADS = saved;
    }
  });
});

describe('hostile parameters are refused before any work', () => {
  const cases: [string, ScryptParams][] = [
    ['N not a power of two', { N: 1000, r: 8, p: 1, dkLen: 64 }],
    ['N = 1', { N: 1, r: 8, p: 1, dkLen: 64 }],
    ['N = 2^31', { N: 2 ** 31, r: 1, p: 1, dkLen: 64 }],
    ['r·p ≥ 2^30', { N: 16, r: 2 ** 15, p: 2 ** 15, dkLen: 64 }],
    ['128·N·r over the bound', { N: 2 ** 24, r: 8, p: 1, dkLen: 64 }],
    ['128·r·p over the bound', { N: 16, r: 2 ** 12, p: 2 ** 13, dkLen: 64 }],
    ['dkLen 0', { N: 16, r: 1, p: 1, dkLen: 0 }],
    ['p not an integer', { N: 16, r: 1, p: 1.5, dkLen: 64 }],
  ];
  for (const [what, params] of cases)
    it(what, async () => {
      resetCryptoUsage();
      const started = Date.now();
      await expect(scrypt(new Uint8Array(1), new Uint8Array(1), params)).rejects.toThrow(
        ScryptParamsError,
      );
      expect(Date.now() - started).toBeLessThan(100);
      expect(cryptoUsage.scrypt).toBeUndefined();
    });
});
