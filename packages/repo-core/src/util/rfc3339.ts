/**
 * RFC 3339 timestamps as Go's time.Time marshals them (RFC3339Nano: `YYYY-MM-DDTHH:MM:SS`, 0-9
 * fraction digits, `Z` or `±hh:mm`), which both formats store: restic tree nodes and snapshots
 * (restic spec §12.4), kopia directory entries, manifests and snapshots (kopia spec §0). Parsed
 * to exact BigInt nanoseconds since the Unix epoch (JS Date keeps milliseconds only); years
 * 0000-9999, so Go's minimum time that kopia writes for unset times fits. Also accepted: `t`, `z`
 * and a space as separator, an offset without its colon, more than 9 fraction digits (cut).
 */

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's algorithm). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** the number written by the `n` ASCII digits at `s[i..]`, or -1 when one is not a digit */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

let lastText = '';
let lastNs: bigint | undefined;

/**
 * Nanoseconds since the epoch, or undefined when `s` is not an RFC 3339 time. Scanned by hand
 * with Numbers and two BigInt steps (a tree node holds three times, usually equal; the last one
 * is remembered): 20,000 nodes cost 0.1 s with a RegExp and per-field BigInts.
 */
export function parseTimeNs(s: string): bigint | undefined {
  if (s === lastText) return lastNs;
  const ns = scanTime(s);
  lastText = s;
  lastNs = ns;
  return ns;
}

function scanTime(s: string): bigint | undefined {
  // YYYY-MM-DD(T|t| )HH:MM:SS
  if (s.length < 20 || s[4] !== '-' || s[7] !== '-' || s[13] !== ':' || s[16] !== ':')
    return undefined;
  const sep = s[10];
  if (sep !== 'T' && sep !== 't' && sep !== ' ') return undefined;
  const y = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const se = digits(s, 17, 2);
  if (y < 0 || h < 0 || mi < 0 || se < 0 || h > 23 || mi > 59 || se > 60) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  let i = 19;
  let nanos = 0;
  if (s[i] === '.') {
    const from = ++i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === from) return undefined;
    // first 9 digits, right-padded: nanoseconds
    for (let k = from; k < from + 9; k++) nanos = nanos * 10 + (k < i ? s.charCodeAt(k) - 48 : 0);
  }
  let off = 0;
  const z = s[i];
  if (z === 'Z' || z === 'z') {
    if (i + 1 !== s.length) return undefined;
  } else if (z === '+' || z === '-') {
    const oh = digits(s, i + 1, 2);
    const colon = s[i + 3] === ':' ? 1 : 0;
    const om = digits(s, i + 3 + colon, 2);
    if (oh < 0 || om < 0 || i + 5 + colon !== s.length) return undefined;
    off = (oh * 3600 + om * 60) * (z === '-' ? -1 : 1);
  } else return undefined;
  const secs = daysFromCivil(y, month, day) * 86400 + h * 3600 + mi * 60 + se - off;
  return BigInt(secs) * 1_000_000_000n + BigInt(nanos);
}

/** A Date for display (millisecond precision), from nanoseconds. */
export function nsToDate(ns: bigint): Date {
  const ms = ns / 1_000_000n - (ns < 0n && ns % 1_000_000n !== 0n ? 1n : 0n);
  return new Date(Number(ms));
}
