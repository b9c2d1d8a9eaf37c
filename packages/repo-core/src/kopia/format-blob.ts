/**
 * The format blob `kopia.repository` and `kopia.blobcfg`: password → format key (scrypt or
 * PBKDF2), the AES-256-GCM envelope, and the repository configuration inside it.
 * spec §3; kopia repo/format/format_blob.go, repository_config.go, content_format.go,
 * blobcfg_blob.go, internal/crypto/aesgcm.go, internal/crypto/pb_key_deriver_*.go
 */

import { aes256GcmOpen } from '../crypto/aes-gcm.js';
import { hkdfSha256 } from '../crypto/hkdf.js';
import { pbkdf2Sha256 } from '../crypto/pbkdf2.js';
import { scrypt } from '../crypto/scrypt.js';
import { IntegrityError, UnsupportedFormatError, WrongPasswordError } from '../errors.js';
import { asObject, bool, bytesField, field, num, parseJson, str, type JsonObject } from './json.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** the outer, clear-text JSON of `kopia.repository` (§3.1) */
export interface FormatBlobOuter {
  readonly tool: string;
  readonly buildVersion: string;
  readonly buildInfo: string;
  readonly uniqueId: Uint8Array;
  readonly keyAlgo: string;
  readonly encryption: string;
  readonly encryptedBlockFormat: Uint8Array | undefined;
  /** v0.8 `"encryption": "NONE"` blobs keep the config in clear here */
  readonly clearBlockFormat: unknown;
}

/** the decrypted repository configuration (§3.4) */
export interface RepositoryConfig {
  readonly hash: string;
  readonly encryption: string;
  readonly ecc: string;
  readonly eccOverheadPercent: number;
  readonly secret: Uint8Array;
  readonly masterKey: Uint8Array;
  readonly version: number;
  readonly maxPackSize: number;
  readonly indexVersion: 1 | 2;
  readonly epochsEnabled: boolean;
  readonly enablePasswordChange: boolean;
  readonly splitter: string;
  readonly upgradeLock: JsonObject | undefined;
  /** required features kopia would only warn about */
  readonly warnings: readonly string[];
}

const FORMAT = 'kopia.repository';

/** §3.1: parse the outer JSON; a truncated or damaged blob is an IntegrityError */
export function parseFormatBlob(bytes: Uint8Array): FormatBlobOuter {
  const o = asObject(parseJson(bytes, FORMAT), FORMAT);
  const uniqueId = bytesField(o, 'uniqueID', FORMAT);
  if (!uniqueId) throw new IntegrityError(`${FORMAT} has no uniqueID`, { blobId: FORMAT });
  return {
    tool: str(o, 'tool', FORMAT) ?? '',
    buildVersion: str(o, 'buildVersion', FORMAT) ?? '',
    buildInfo: str(o, 'buildInfo', FORMAT) ?? '',
    uniqueId,
    keyAlgo: str(o, 'keyAlgo', FORMAT) || 'scrypt-65536-8-1',
    encryption: str(o, 'encryption', FORMAT) ?? '',
    encryptedBlockFormat: bytesField(o, 'encryptedBlockFormat', FORMAT),
    clearBlockFormat: field(o, 'blockFormat'),
  };
}

const MIN_SALT = 16;

/** §3.2: password → 32-byte format key */
export async function deriveFormatKey(
  outer: FormatBlobOuter,
  password: string,
): Promise<Uint8Array> {
  if (outer.uniqueId.length < MIN_SALT) {
    throw new IntegrityError(`${FORMAT}: uniqueID of ${outer.uniqueId.length} bytes is too short`);
  }
  const pw = utf8(password);
  switch (outer.keyAlgo) {
    case 'scrypt-65536-8-1':
      return scrypt(pw, outer.uniqueId, { N: 65536, r: 8, p: 1, dkLen: 32 });
    case 'pbkdf2-sha256-600000':
      return pbkdf2Sha256(pw, outer.uniqueId, 600_000, 32);
    default:
      throw new UnsupportedFormatError(
        `unsupported kopia password key derivation "${outer.keyAlgo}"`,
        { keyAlgo: outer.keyAlgo, supported: ['scrypt-65536-8-1', 'pbkdf2-sha256-600000'] },
      );
  }
}

const NONCE = 12;
const TAG = 16;

/**
 * §3.3: open the AES256_GCM envelope of the format blob and `kopia.blobcfg` with the format
 * key. `null` when authentication fails (the caller decides what that means).
 */
export function openEnvelope(
  sealed: Uint8Array,
  formatKey: Uint8Array,
  uniqueId: Uint8Array,
): Uint8Array | null {
  if (sealed.length < NONCE + TAG) return null;
  const aesKey = hkdfSha256(formatKey, uniqueId, utf8('AES'), 32);
  const aad = hkdfSha256(formatKey, uniqueId, utf8('CHECKSUM'), 32);
  try {
    return aes256GcmOpen(aesKey, sealed.subarray(0, NONCE), sealed.subarray(NONCE), aad);
  } catch (e) {
    if (e instanceof IntegrityError) return null;
    throw e;
  }
}

/** the decrypted `{"format": {…}}` document, or WrongPasswordError */
export function decryptFormatConfig(
  outer: FormatBlobOuter,
  formatKey: Uint8Array,
  location: string,
): JsonObject {
  if (outer.encryption === 'NONE') {
    return asObject(outer.clearBlockFormat, `${FORMAT} blockFormat`);
  }
  if (outer.encryption !== 'AES256_GCM') {
    throw new UnsupportedFormatError(
      `unsupported kopia format-blob encryption "${outer.encryption}"`,
      { encryption: outer.encryption },
    );
  }
  if (!outer.encryptedBlockFormat) {
    throw new IntegrityError(`${FORMAT} has no encryptedBlockFormat`, { blobId: FORMAT });
  }
  const plain = openEnvelope(outer.encryptedBlockFormat, formatKey, outer.uniqueId);
  if (!plain) throw new WrongPasswordError(location);
  const doc = asObject(parseJson(plain, `${FORMAT} (decrypted)`), FORMAT);
  return asObject(field(doc, 'format'), `${FORMAT} format`);
}

const UNDERSTOOD_FEATURES = new Set(['index-v1', 'index-v2']);

/** §3.4: typed config plus the checks kopia makes before opening */
export function parseRepositoryConfig(f: JsonObject): RepositoryConfig {
  const what = `${FORMAT} format`;
  const version = num(f, 'version', what) ?? 0;
  if (version !== 1 && version !== 2 && version !== 3) {
    throw new UnsupportedFormatError(`unsupported kopia format version ${version}`, { version });
  }
  const indexVersionRaw = num(f, 'indexVersion', what) || 1;
  if (indexVersionRaw !== 1 && indexVersionRaw !== 2) {
    throw new UnsupportedFormatError(`unsupported kopia index version ${indexVersionRaw}`, {
      indexVersion: indexVersionRaw,
    });
  }
  const warnings: string[] = [];
  const req = field(f, 'requiredFeatures');
  if (Array.isArray(req)) {
    for (const r of req) {
      const ro = asObject(r, `${what} requiredFeatures`);
      const feature = str(ro, 'feature', what) ?? '';
      if (UNDERSTOOD_FEATURES.has(feature)) continue;
      const inu = field(ro, 'ifNotUnderstood');
      const warn = inu && typeof inu === 'object' && bool(inu as JsonObject, 'warn', what) === true;
      if (!warn) {
        throw new UnsupportedFormatError(`kopia repository requires unknown feature "${feature}"`, {
          feature,
        });
      }
      warnings.push(`repository feature "${feature}" is not understood`);
    }
  }
  const epoch = field(f, 'epochParameters');
  const epochsEnabled =
    epoch !== null &&
    typeof epoch === 'object' &&
    bool(epoch as JsonObject, 'Enabled', what) === true;
  const masterKey = bytesField(f, 'masterKey', what) ?? new Uint8Array(0);
  const ecc = str(f, 'ecc', what) ?? '';
  const eccOverheadPercent = num(f, 'eccOverheadPercent', what) ?? 0;
  if (
    !Number.isInteger(eccOverheadPercent) ||
    eccOverheadPercent < 0 ||
    eccOverheadPercent > 1000
  ) {
    throw new IntegrityError(`${what}: invalid eccOverheadPercent ${eccOverheadPercent}`);
  }
  const ul = field(f, 'upgradeLock');
  return {
    hash: str(f, 'hash', what) ?? '',
    encryption: str(f, 'encryption', what) ?? '',
    ecc,
    eccOverheadPercent,
    secret: bytesField(f, 'secret', what) ?? new Uint8Array(0),
    masterKey,
    version,
    maxPackSize: num(f, 'maxPackSize', what) ?? 0,
    indexVersion: indexVersionRaw,
    epochsEnabled,
    enablePasswordChange: bool(f, 'enablePasswordChange', what) ?? false,
    splitter: str(f, 'splitter', what) ?? '',
    upgradeLock: ul && typeof ul === 'object' ? (ul as JsonObject) : undefined,
    warnings,
  };
}

/** §3.5: `kopia.blobcfg` plaintext; IntegrityError if it exists but does not decrypt */
export function decryptBlobCfg(
  bytes: Uint8Array,
  outer: FormatBlobOuter,
  formatKey: Uint8Array,
): JsonObject {
  if (outer.encryption === 'NONE')
    return asObject(parseJson(bytes, 'kopia.blobcfg'), 'kopia.blobcfg');
  const plain = openEnvelope(bytes, formatKey, outer.uniqueId);
  if (!plain) {
    throw new IntegrityError('kopia.blobcfg does not decrypt with the format key', {
      blobId: 'kopia.blobcfg',
    });
  }
  return asObject(parseJson(plain, 'kopia.blobcfg'), 'kopia.blobcfg');
}
