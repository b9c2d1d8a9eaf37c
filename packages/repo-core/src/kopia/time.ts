/**
 * RFC 3339 timestamps as Go writes them (0-9 fractional digits, `Z` or `±hh:mm`) to exact
 * bigint nanoseconds since the Unix epoch; years 0001-9999, including Go's minimum-int64 time
 * `1754-08-30T22:43:41.128654848Z` kopia uses for unset times. spec §0
 */

const RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** nanoseconds since the epoch, or undefined when `s` is not RFC 3339 */
export function parseTimeNs(s: string): bigint | undefined {
  const m = RE.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, se, 0);
  let ns = BigInt(date.getTime()) * 1_000_000n;
  if (m[7]) ns += BigInt(m[7].padEnd(9, '0'));
  if (m[9]) {
    const off = (Number(m[10]) * 60 + Number(m[11])) * 60;
    ns -= BigInt(m[9] === '-' ? -off : off) * 1_000_000_000n;
  }
  return ns;
}

/** a Date from nanoseconds (millisecond precision) */
export function dateOfNs(ns: bigint): Date {
  const ms = ns / 1_000_000n - (ns < 0n && ns % 1_000_000n !== 0n ? 1n : 0n);
  return new Date(Number(ms));
}
