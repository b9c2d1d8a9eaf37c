/**
 * The two S3 XML documents a reader meets: a ListObjectsV2 result (ListBucketResult: Contents
 * with Key and Size, IsTruncated, NextContinuationToken) and an error (Error: Code, Message,
 * RequestId, Region). Both are flat and fixed, so elements are found by name; text is
 * unescaped (the five XML entities and numeric character references). Anything else in the
 * documents is ignored.
 */

export interface ListPage {
  objects: { key: string; size: number }[];
  /** the token for the next page, when the listing is truncated */
  next: string | undefined;
}

export interface S3ErrorDoc {
  code?: string;
  message?: string;
  requestId?: string;
  region?: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (all, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? all;
  });
}

/** text of the first `<tag>` element in `xml` (no nested elements inside it) */
export function elementText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([^<]*)</${tag}>`).exec(xml);
  return m ? unescapeXml(m[1]!) : undefined;
}

export function parseListPage(xml: string): ListPage {
  if (!/<ListBucketResult[\s>]/.test(xml))
    throw new Error('not a ListObjectsV2 result (no ListBucketResult element)');
  const objects: ListPage['objects'] = [];
  for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const key = elementText(m[1]!, 'Key');
    const size = Number(elementText(m[1]!, 'Size') ?? '0');
    if (key === undefined || !Number.isSafeInteger(size) || size < 0)
      throw new Error('ListObjectsV2 result: a Contents element without Key or a valid Size');
    objects.push({ key, size });
  }
  const truncated = elementText(xml, 'IsTruncated') === 'true';
  const next = truncated ? elementText(xml, 'NextContinuationToken') : undefined;
  if (truncated && !next)
    throw new Error('ListObjectsV2 result is truncated but has no NextContinuationToken');
  return { objects, next };
}

export function parseErrorDoc(xml: string): S3ErrorDoc {
  if (!/<Error[\s>]/.test(xml)) return {};
  return {
    code: elementText(xml, 'Code'),
    message: elementText(xml, 'Message'),
    requestId: elementText(xml, 'RequestId'),
    region: elementText(xml, 'Region'),
  };
}
