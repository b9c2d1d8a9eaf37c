/**
 * The ECC wrapper as kopia's read path sees it: strip Reed-Solomon/CRC32 protection from a
 * stored payload, repairing damaged shards when it can and reporting each repair.
 * spec §6; kopia repo/ecc/ecc_rs_crc.go. The codec itself lives in src/ecc/.
 */

import { UnsupportedFormatError } from '../errors.js';
import type { RepositoryEvent } from '../model.js';
import type { EccStrip } from './blob-crypto.js';

export function createEccStrip(
  overheadPercent: number,
  _emit: (e: RepositoryEvent) => void,
): EccStrip {
  throw new UnsupportedFormatError(
    `kopia ECC (REED-SOLOMON-CRC32, ${overheadPercent}%) is not available yet`,
    { ecc: 'REED-SOLOMON-CRC32' },
  );
}
