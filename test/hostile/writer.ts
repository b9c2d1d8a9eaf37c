/**
 * TEST-ONLY restic writer: adds a snapshot with a hand-made tree to a temp copy of a fixture
 * repository, encrypted with that repository's master key (found with the password), so restore
 * can be tested on hostile trees no real restic writes (`../escape`, `/abs`, a symlink followed by
 * a directory of the same name). Never used as a fixture elsewhere. Writes uncompressed blobs and
 * uncompressed JSON unpacked files, which both repository versions accept (restic spec §7, §8).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStorage } from '@salvage/repo-core';
import { aesCtr } from '../../packages/repo-core/src/crypto/aes-ctr.js';
import { poly1305Aes } from '../../packages/repo-core/src/crypto/poly1305-aes.js';
import type { ResticKey } from '../../packages/repo-core/src/restic/crypto.js';
import { searchKey } from '../../packages/repo-core/src/restic/keys.js';

export interface HostileNode {
  /** the JSON `name` value exactly as stored (already Go-quoted where needed) */
  name: string;
  type: 'file' | 'dir' | 'symlink';
  linktarget?: string;
  children?: HostileNode[];
  /** file content (stored as one data blob) */
  content?: string;
}

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

function encrypt(key: ResticKey, plain: Uint8Array): Buffer {
  const iv = randomBytes(16);
  const ct = aesCtr(key.enc, iv, plain);
  const tag = poly1305Aes(key.macK, key.macR, iv, ct);
  return Buffer.concat([iv, ct, tag]);
}

interface PendingBlob {
  type: 0 | 1;
  id: Buffer;
  encrypted: Buffer;
  plainLength: number;
}

export async function addHostileSnapshot(
  repoDir: string,
  password: string,
  nodes: HostileNode[],
): Promise<string> {
  const { master: key } = await searchKey(new LocalStorage(repoDir), password);
  const blobs: PendingBlob[] = [];
  const addBlob = (type: 0 | 1, plain: Buffer): string => {
    const id = sha256(plain);
    blobs.push({ type, id, encrypted: encrypt(key, plain), plainLength: plain.length });
    return id.toString('hex');
  };
  const mtime = '2024-01-02T03:04:05.123456789Z';
  const tree = (list: HostileNode[]): string => {
    const json = {
      nodes: list.map((n) => {
        const base = {
          name: n.name,
          type: n.type,
          mode: n.type === 'dir' ? 2147484141 : n.type === 'symlink' ? 134218239 : 420,
          mtime,
          atime: mtime,
          ctime: mtime,
          uid: 0,
          gid: 0,
        };
        if (n.type === 'dir') return { ...base, content: null, subtree: tree(n.children ?? []) };
        if (n.type === 'symlink') return { ...base, linktarget: n.linktarget, content: null };
        const data = Buffer.from(n.content ?? '');
        return { ...base, size: data.length, content: data.length > 0 ? [addBlob(0, data)] : [] };
      }),
    };
    return addBlob(1, Buffer.from(JSON.stringify(json) + '\n'));
  };
  const rootTree = tree(nodes);

  // one pack: blobs, then the encrypted header, then its length (spec §8.1, §8.2)
  const header = Buffer.concat(
    blobs.map((b) => {
      const e = Buffer.alloc(37);
      e[0] = b.type;
      e.writeUInt32LE(b.encrypted.length, 1);
      b.id.copy(e, 5);
      return e;
    }),
  );
  const encHeader = encrypt(key, header);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(encHeader.length);
  const pack = Buffer.concat([...blobs.map((b) => b.encrypted), encHeader, len]);
  const packId = sha256(pack).toString('hex');
  await mkdir(join(repoDir, 'data', packId.slice(0, 2)), { recursive: true });
  await writeFile(join(repoDir, 'data', packId.slice(0, 2), packId), pack);

  let offset = 0;
  const index = {
    packs: [
      {
        id: packId,
        blobs: blobs.map((b) => {
          const entry = {
            id: b.id.toString('hex'),
            type: b.type === 1 ? 'tree' : 'data',
            offset,
            length: b.encrypted.length,
          };
          offset += b.encrypted.length;
          return entry;
        }),
      },
    ],
  };
  const writeUnpacked = async (dir: string, value: unknown): Promise<string> => {
    const enc = encrypt(key, Buffer.from(JSON.stringify(value)));
    const id = sha256(enc).toString('hex');
    await writeFile(join(repoDir, dir, id), enc);
    return id;
  };
  await writeUnpacked('index', index);
  return writeUnpacked('snapshots', {
    time: '2030-01-01T00:00:00Z',
    tree: rootTree,
    paths: ['/hostile'],
    hostname: 'hostile',
    username: 'root',
  });
}
