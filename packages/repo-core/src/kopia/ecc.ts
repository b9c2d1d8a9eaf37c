/**
 * The ECC wrapper as kopia's read path sees it: strip REED-SOLOMON-CRC32 protection from a
 * stored payload, repairing damaged shards from parity and reporting each repair as an event.
 * spec §6; kopia repo/ecc/ecc_rs_crc.go. The codec itself lives in src/ecc/.
 */

import { stripEcc } from '../ecc/strip.js';
import { IntegrityError } from '../errors.js';
import type { RepositoryEvent } from '../model.js';
import type { EccStrip } from './blob-crypto.js';

export function createEccStrip(
  overheadPercent: number,
  emit: (e: RepositoryEvent) => void,
): EccStrip {
  return (stored, what) => {
    let r;
    try {
      r = stripEcc(stored, overheadPercent);
    } catch (e) {
      throw new IntegrityError(
        `${what}: error correction cannot recover it (${e instanceof Error ? e.message : String(e)})`,
        { ecc: 'REED-SOLOMON-CRC32' },
        { cause: e },
      );
    }
    if (r.repairedShards > 0) {
      emit({
        type: 'repaired',
        message: `${what}: ${r.repairedShards} damaged ECC shard(s) repaired from parity`,
        data: { object: what, repairedShards: r.repairedShards },
      });
    }
    return r.data;
  };
}
