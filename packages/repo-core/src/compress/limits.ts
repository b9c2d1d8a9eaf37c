/**
 * What every decoder in this folder shares: the bounded-output signature and the errors for
 * corrupt input and for output beyond the caller's limit (a zip bomb is refused before it is
 * allocated). Errors are IntegrityErrors naming the codec; callers add the object's name.
 */

import { IntegrityError } from '../errors.js';

/** Decode all of `input`; never produce (or allocate) more than `maxOutput` bytes. */
export type Decompressor = (input: Uint8Array, maxOutput: number) => Uint8Array;

export function checkMaxOutput(codec: string, maxOutput: number): void {
  if (!Number.isSafeInteger(maxOutput) || maxOutput < 0) {
    throw new RangeError(`${codec}: maxOutput must be a non-negative integer, got ${maxOutput}`);
  }
}

export function corrupt(codec: string, detail: string, cause?: unknown): IntegrityError {
  return new IntegrityError(`${codec} data is corrupt: ${detail}`, { codec }, { cause });
}

export function tooLarge(codec: string, maxOutput: number): IntegrityError {
  return new IntegrityError(
    `${codec} data expands beyond the ${maxOutput}-byte limit (corrupt or hostile input)`,
    { codec, maxOutput },
  );
}
