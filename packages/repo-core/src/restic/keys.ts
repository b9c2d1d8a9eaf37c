/**
 * Key files and the master key (spec §5; restic internal/repository/key.go, SearchKey).
 * Every key file is tried (at most MAX_KEYS): a MAC failure means "not this key's password";
 * other errors are remembered and the search goes on (the spec's lenient recommendation).
 */

import { scrypt, ScryptParamsError } from '../crypto/scrypt.js';
import { sha256Hex } from '../crypto/sha256.js';
import { IntegrityError, UnsupportedFormatError, WrongPasswordError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { decryptObject, DecryptError, validKey, type ResticKey } from './crypto.js';
import { fromBase64 } from './ids.js';
import { fileName, listIds } from './layout.js';

/** restic's CLI gives up after 20 keys (internal/global/global.go maxKeys). */
export const MAX_KEYS = 20;
const MAX_KEY_FILE = 64 * 1024;

interface KeyFileJson {
  kdf?: unknown;
  N?: unknown;
  r?: unknown;
  p?: unknown;
  salt?: unknown;
  data?: unknown;
}

export interface OpenedKey {
  readonly keyId: string;
  readonly master: ResticKey;
  /** key files tried before that failed for a reason other than the password */
  readonly skipped: { keyId: string; reason: string }[];
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

/**
 * Try `password` on one key file's bytes. Returns the master key, undefined on a MAC failure
 * (wrong password), or throws for a damaged/unsupported key file.
 */
export async function openKeyFile(
  bytes: Uint8Array,
  password: Uint8Array,
  what: string,
): Promise<ResticKey | undefined> {
  let kf: KeyFileJson;
  try {
    kf = JSON.parse(new TextDecoder().decode(bytes)) as KeyFileJson;
  } catch (e) {
    throw new IntegrityError(`${what}: not valid JSON`, { what }, { cause: e });
  }
  if (kf.kdf !== 'scrypt')
    throw new UnsupportedFormatError(
      `${what}: only supported KDF is scrypt, got ${String(kf.kdf)}`,
    );
  const N = int(kf.N);
  const r = int(kf.r);
  const p = int(kf.p);
  if (N === undefined || r === undefined || p === undefined || typeof kf.salt !== 'string')
    throw new IntegrityError(`${what}: missing scrypt parameters`, { what });
  const salt = b64(kf.salt, what);
  if (salt.length !== 64) throw new IntegrityError(`${what}: salt must be 64 bytes`, { what });
  if (typeof kf.data !== 'string') throw new IntegrityError(`${what}: no data`, { what });
  const data = b64(kf.data, what);
  if (data.length < 32) throw new IntegrityError(`${what}: invalid key file, data too short`);
  let dk: Uint8Array;
  try {
    dk = await scrypt(password, salt, { N, r, p, dkLen: 64 });
  } catch (e) {
    if (e instanceof ScryptParamsError)
      throw new UnsupportedFormatError(`${what}: ${e.message}`, { what }, { cause: e });
    throw e;
  }
  const user: ResticKey = {
    enc: dk.subarray(0, 32),
    macK: dk.subarray(32, 48),
    macR: dk.subarray(48, 64),
  };
  let plain: Uint8Array;
  try {
    plain = decryptObject(user, data);
  } catch (e) {
    if (e instanceof DecryptError && e.reason === 'mac') return undefined;
    throw new IntegrityError(`${what}: ${String(e)}`, { what }, { cause: e });
  }
  let mk: { mac?: { k?: unknown; r?: unknown }; encrypt?: unknown };
  try {
    mk = JSON.parse(new TextDecoder().decode(plain)) as typeof mk;
  } catch (e) {
    throw new IntegrityError(`${what}: master key is not valid JSON`, { what }, { cause: e });
  }
  if (
    typeof mk.encrypt !== 'string' ||
    typeof mk.mac?.k !== 'string' ||
    typeof mk.mac.r !== 'string'
  )
    throw new IntegrityError(`${what}: master key is incomplete`, { what });
  const master: ResticKey = {
    enc: b64(mk.encrypt, what),
    macK: b64(mk.mac.k, what),
    macR: b64(mk.mac.r, what),
  };
  if (!validKey(master)) throw new IntegrityError(`${what}: invalid master key`, { what });
  return master;
}

function b64(s: string, what: string): Uint8Array {
  try {
    return fromBase64(s);
  } catch (e) {
    throw new IntegrityError(`${what}: malformed base64`, { what }, { cause: e });
  }
}

/** Find the key file that `password` opens. Throws WrongPasswordError when none does. */
export async function searchKey(
  storage: Storage,
  password: string,
  options: { keyHint?: string } = {},
): Promise<OpenedKey> {
  const pw = new TextEncoder().encode(password);
  let ids = (await listIds(storage, 'keys')).filter((k) => k.size <= MAX_KEY_FILE).map((k) => k.id);
  ids.sort();
  if (options.keyHint) {
    const hint = options.keyHint;
    ids = [...ids.filter((id) => id.startsWith(hint)), ...ids.filter((id) => !id.startsWith(hint))];
  }
  const errors: unknown[] = [];
  const skipped: { keyId: string; reason: string }[] = [];
  let tried = 0;
  for (const id of ids.slice(0, MAX_KEYS)) {
    tried++;
    const name = fileName('keys', id);
    try {
      const bytes = await storage.read(name);
      if (sha256Hex(bytes) !== id)
        throw new IntegrityError(`${name}: content does not match its name`, { name });
      const master = await openKeyFile(bytes, pw, name);
      if (master) return { keyId: id, master, skipped };
    } catch (e) {
      errors.push(e);
      skipped.push({ keyId: id, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  // a key file that could not even be tried is reported rather than blamed on the password
  if (errors.length > 0 && errors.length === tried) throw errors[0];
  throw new WrongPasswordError(storage.location, { tried, cause: errors[0] });
}
