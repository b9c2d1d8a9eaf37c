/**
 * What a reader needs from a backend: list objects by prefix and read one, whole or by range.
 * There are no write methods: Salvage is read-only by type.
 *
 * Names are '/'-separated keys relative to the repository root (`config`, `data/ab/ab12…`,
 * `p0123…`). A local directory and an S3 prefix look the same through this interface.
 */

import type { ByteRange } from '../model.js';

export interface ObjectInfo {
  /** key relative to the repository root */
  readonly name: string;
  readonly size: number;
}

export interface ReadRange {
  offset: number;
  length: number;
}

export interface Storage {
  /** where this storage points, for messages (`/srv/repo`, `s3:https://host/bucket/prefix`) */
  readonly location: string;
  /**
   * Every object whose name starts with `prefix`, recursively, in no particular order.
   * A prefix that matches nothing yields nothing (not an error).
   */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /**
   * The object's bytes, or `range` of them. Throws MissingObjectError when it does not exist,
   * IntegrityError when the object is shorter than the range asks.
   */
  read(name: string, range?: ReadRange): Promise<Uint8Array>;
  /** size of an object, or undefined when it does not exist */
  stat(name: string): Promise<ObjectInfo | undefined>;
  close(): Promise<void>;
}

export function rangeEnd(range: ByteRange, size: number): number {
  return range.length === undefined ? size : Math.min(size, range.offset + range.length);
}
