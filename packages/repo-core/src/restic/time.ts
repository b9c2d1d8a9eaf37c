/**
 * RFC 3339 timestamps with up to nanosecond precision, as Go writes them (spec §12.4):
 * `YYYY-MM-DDTHH:MM:SS[.fffffffff](Z|±HH:MM)`, years 0000–9999. Parsed to BigInt nanoseconds
 * since the Unix epoch so nothing is lost (JS Date keeps milliseconds only).
 */

const RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's algorithm). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Nanoseconds since the epoch, or undefined when `s` is not an RFC 3339 time. */
export function parseTimeNs(s: string): bigint | undefined {
  const m = RE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, frac, z, sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const days = daysFromCivil(Number(y), month, day);
  let secs = BigInt(days) * 86400n + BigInt(Number(h) * 3600 + Number(mi) * 60 + Number(se));
  if (!z) {
    const off = (Number(oh) * 3600 + Number(om) * 60) * (sign === '-' ? -1 : 1);
    secs -= BigInt(off);
  }
  const nanos = frac ? BigInt((frac + '000000000').slice(0, 9)) : 0n;
  return secs * 1_000_000_000n + nanos;
}

/** A Date for display (millisecond precision), from nanoseconds. */
export function nsToDate(ns: bigint): Date {
  const ms = ns / 1_000_000n - (ns < 0n && ns % 1_000_000n !== 0n ? 1n : 0n);
  return new Date(Number(ms));
}
