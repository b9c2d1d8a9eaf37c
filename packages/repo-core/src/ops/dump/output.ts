/**
 * Writing to a Node stream with backpressure: `write` resolves when the stream can take more,
 * and rejects if the stream failed or closed (a consumer that went away stops the dump).
 */

import type { Writable } from 'node:stream';

export async function writeAll(out: Writable, data: Uint8Array): Promise<void> {
  if (out.destroyed) throw new Error('output stream closed');
  if (out.write(data)) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('output stream closed'));
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

/** ends the stream and waits until everything was flushed */
export async function endStream(out: Writable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}
