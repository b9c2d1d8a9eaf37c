/**
 * Joins byte chunks into one array: into `into` when given (it must hold them all; a view of what
 * was written comes back), else a new one, or the only chunk itself when there is one.
 */
export function concatBytes(
  parts: readonly Uint8Array[],
  total?: number,
  into?: Uint8Array,
): Uint8Array {
  if (!into && parts.length === 1) return parts[0]!;
  const out = into ?? new Uint8Array(total ?? parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return into ? into.subarray(0, o) : out;
}
