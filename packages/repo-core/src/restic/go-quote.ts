/**
 * Go `strconv.Unquote` for the body of a double-quoted string (spec §12.2; restic
 * internal/data/node.go stores names as strconv.Quote(name) without the quotes). The result is a
 * byte string: `\xHH` and octal escapes produce raw bytes that may be invalid UTF-8. Lenient
 * where Go is strict (unknown escapes are kept literally), because a reader must list what exists.
 */

const enc = new TextEncoder();

export function goUnquote(s: string): Uint8Array {
  if (!s.includes('\\')) return enc.encode(s);
  const out: number[] = [];
  const pushText = (t: string) => {
    for (const b of enc.encode(t)) out.push(b);
  };
  let i = 0;
  while (i < s.length) {
    const bs = s.indexOf('\\', i);
    if (bs < 0) {
      pushText(s.slice(i));
      break;
    }
    if (bs > i) pushText(s.slice(i, bs));
    const c = s[bs + 1];
    i = bs + 2;
    switch (c) {
      case 'a':
        out.push(7);
        break;
      case 'b':
        out.push(8);
        break;
      case 'f':
        out.push(12);
        break;
      case 'n':
        out.push(10);
        break;
      case 'r':
        out.push(13);
        break;
      case 't':
        out.push(9);
        break;
      case 'v':
        out.push(11);
        break;
      case '\\':
        out.push(0x5c);
        break;
      case '"':
        out.push(0x22);
        break;
      case "'":
        out.push(0x27);
        break;
      case 'x': {
        const h = s.slice(i, i + 2);
        if (/^[0-9a-fA-F]{2}$/.test(h)) {
          out.push(parseInt(h, 16));
          i += 2;
        } else pushText('\\x');
        break;
      }
      case 'u':
      case 'U': {
        const n = c === 'u' ? 4 : 8;
        const h = s.slice(i, i + n);
        const cp = /^[0-9a-fA-F]+$/.test(h) && h.length === n ? parseInt(h, 16) : -1;
        if (cp >= 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
          pushText(String.fromCodePoint(cp));
          i += n;
        } else pushText(`\\${c}`);
        break;
      }
      default: {
        const o = s.slice(bs + 1, bs + 4);
        if (c !== undefined && /^[0-7]{3}$/.test(o) && parseInt(o, 8) <= 0o377) {
          out.push(parseInt(o, 8));
          i = bs + 4;
        } else {
          // not a Go escape: keep the backslash (and the character, if any) as written
          pushText(c === undefined ? '\\' : `\\${c}`);
        }
      }
    }
  }
  return Uint8Array.from(out);
}
