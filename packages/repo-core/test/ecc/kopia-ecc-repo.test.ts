/**
 * ECC against a real kopia v0.22.3 repository created with REED-SOLOMON-CRC32 at 10 % (and 2 %):
 * every index blob and every pack's local index is ECC-stripped and then decrypted with the
 * repository's keys (AEAD success proves the stripped bytes are exact); damaged shards are
 * repaired, too much damage is an IntegrityError. Needs the kopia binary (scripts/tools.sh):
 * without it this test fails, it never skips.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runTool } from '../../../../test/harness/tools.js';
import { createKopiaDecryptor, type KopiaDecryptor } from '../../src/crypto/kopia-encryption.js';
import { crc32 } from '../../src/ecc/crc32.js';
import { eccGeometry } from '../../src/ecc/geometry.js';
import { stripEcc } from '../../src/ecc/strip.js';
import { IntegrityError } from '../../src/errors.js';
import {
  decryptFormatConfig,
  deriveFormatKey,
  parseFormatBlob,
  parseRepositoryConfig,
} from '../../src/kopia/format-blob.js';

const PASSWORD = 'ecc-test-password';

interface Repo {
  root: string;
  blobs: Map<string, string>; // blob ID -> file path
  percent: number;
  decryptor: KopiaDecryptor;
}

let work: string;
const repos: Record<number, Repo> = {};

function listBlobs(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.f'))
        out.set(relative(root, p).split(sep).join('').slice(0, -2), p);
    }
  };
  walk(root);
  return out;
}

/** spec §5.3: blob-name IV = hex of the last 32 characters before the first '-'. */
function blobIv(id: string): Uint8Array {
  const base = id.split('-')[0]!;
  return new Uint8Array(Buffer.from(base.slice(-32), 'hex'));
}

async function makeRepo(percent: number): Promise<Repo> {
  const root = join(work, `repo-${percent}`);
  const src = join(work, 'src');
  const cfg = ['--config-file', join(work, `kopia-${percent}.config`)];
  const env = {
    KOPIA_CHECK_FOR_UPDATES: 'false',
    KOPIA_CACHE_DIRECTORY: join(work, `cache-${percent}`),
    KOPIA_LOG_DIR: join(work, `logs-${percent}`),
  };
  await runTool(
    'kopia',
    [
      ...cfg,
      'repository',
      'create',
      'filesystem',
      '--path',
      root,
      '--password',
      PASSWORD,
      '--ecc=REED-SOLOMON-CRC32',
      `--ecc-overhead-percent=${percent}`,
    ],
    { env },
  );
  await runTool('kopia', [...cfg, 'snapshot', 'create', src], { env });
  const outer = parseFormatBlob(new Uint8Array(readFileSync(join(root, 'kopia.repository.f'))));
  const key = await deriveFormatKey(outer, PASSWORD);
  const config = parseRepositoryConfig(decryptFormatConfig(outer, key, root));
  expect(config.ecc).toBe('REED-SOLOMON-CRC32');
  expect(config.eccOverheadPercent).toBe(percent);
  return {
    root,
    blobs: listBlobs(root),
    percent,
    decryptor: createKopiaDecryptor(config.encryption, config.masterKey),
  };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'salvage-ecc-'));
  const src = join(work, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'random.bin'), randomBytes(3 << 20));
  writeFileSync(join(src, 'text.txt'), 'kopia ecc '.repeat(50_000));
  writeFileSync(join(src, 'sub', 'small.txt'), 'hello\n');
  writeFileSync(join(src, 'sub', 'empty'), '');
  repos[10] = await makeRepo(10);
  repos[2] = await makeRepo(2);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** spec §9.2: the local index (offset, length, iv) named by a pack's postamble. */
function localIndex(pack: Uint8Array): { iv: Uint8Array; stored: Uint8Array } {
  const n = pack[pack.length - 1]!;
  const post = pack.subarray(pack.length - 1 - n, pack.length - 1);
  const payload = post.subarray(0, post.length - 4);
  expect(crc32(payload)).toBe(Buffer.from(post.subarray(post.length - 4)).readUInt32BE(0));
  let p = 0;
  const varint = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = payload[p++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  expect(varint()).toBe(1);
  const ivLen = varint();
  const iv = payload.slice(p, p + ivLen);
  p += ivLen;
  const offset = varint();
  const length = varint();
  return { iv, stored: pack.subarray(offset, offset + length) };
}

describe.each([10, 2])('kopia repository with ECC %i%%', (percent) => {
  it('strips and decrypts every index blob and every pack-local index', () => {
    const repo = repos[percent]!;
    let indexes = 0;
    let packs = 0;
    for (const [id, path] of repo.blobs) {
      const bytes = new Uint8Array(readFileSync(path));
      if (id.startsWith('xn') || id.startsWith('xs') || id.startsWith('xr')) {
        const { data, repairedShards } = stripEcc(bytes, percent);
        expect(repairedShards).toBe(0);
        const plain = repo.decryptor.decrypt(data, blobIv(id));
        expect(plain[0], id).toBe(2); // index v2 (spec §10)
        indexes++;
      } else if (id.startsWith('p') || id.startsWith('q')) {
        const li = localIndex(bytes);
        const plain = repo.decryptor.decrypt(stripEcc(li.stored, percent).data, li.iv);
        expect(plain[0], id).toBe(2);
        packs++;
      }
    }
    expect(indexes).toBeGreaterThan(0);
    expect(packs).toBeGreaterThanOrEqual(2);
  });

  it('repairs damaged shards of a real index blob, and refuses beyond parity', () => {
    const repo = repos[percent]!;
    const [id, path] = [...repo.blobs].find(([b]) => b.startsWith('xn'))!;
    const original = new Uint8Array(readFileSync(path));
    const g = eccGeometry(percent, original.length);
    const rec = 4 + g.shardSize;
    const dataStart = g.blocks * g.parityShards * rec;
    const hit = (bytes: Uint8Array, shards: number) => {
      for (let k = 0; k < shards; k++) bytes[dataStart + k * rec + 4 + (k % g.shardSize)]! ^= 0x80;
    };
    const damaged = original.slice();
    hit(damaged, g.parityShards);
    const { data, repairedShards } = stripEcc(damaged, percent);
    expect(repairedShards).toBe(g.parityShards);
    expect(repo.decryptor.decrypt(data, blobIv(id))[0]).toBe(2);

    const ruined = original.slice();
    hit(ruined, g.parityShards + 1);
    expect(() => stripEcc(ruined, percent)).toThrow(IntegrityError);
  });
});
