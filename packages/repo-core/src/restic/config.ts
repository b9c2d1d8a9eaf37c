/**
 * The `config` file (spec §6; restic internal/restic/config.go): encrypted with the master key,
 * never compressed, no content hash. Versions 1 and 2 only.
 */

import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import { isHex64 } from './ids.js';

export interface ResticConfig {
  readonly version: 1 | 2;
  readonly id: string;
  readonly chunkerPolynomial: bigint | undefined;
}

export function parseConfig(plain: Uint8Array): ResticConfig {
  let j: { version?: unknown; id?: unknown; chunker_polynomial?: unknown };
  try {
    j = JSON.parse(new TextDecoder().decode(plain)) as typeof j;
  } catch (e) {
    throw new IntegrityError('config: not valid JSON', {}, { cause: e });
  }
  if (typeof j !== 'object' || j === null) throw new IntegrityError('config: not a JSON object');
  if (j.version !== 1 && j.version !== 2)
    throw new UnsupportedFormatError(
      `unsupported repository version ${String(j.version)} (this reader knows restic versions 1 and 2)`,
      { version: j.version },
    );
  if (!isHex64(j.id)) throw new IntegrityError('config: repository id is not 64 hex characters');
  const poly =
    typeof j.chunker_polynomial === 'string' && /^[0-9a-fA-F]{1,16}$/.test(j.chunker_polynomial)
      ? BigInt(`0x${j.chunker_polynomial}`)
      : undefined;
  return { version: j.version, id: j.id.toLowerCase(), chunkerPolynomial: poly };
}
