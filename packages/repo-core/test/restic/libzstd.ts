/** libzstd's encoder (the WASM package's `compress`), to make frames for the zstd tests. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const libzstd = require('@bokuweb/zstd-wasm') as {
  init(): Promise<void>;
  compress(b: Uint8Array, level?: number): Uint8Array;
};
