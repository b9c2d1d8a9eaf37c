/**
 * The S3 XML documents: ListObjectsV2 pages (keys with XML entities, truncation and its token,
 * empty listings, malformed pages) and error documents.
 */
import { describe, expect, it } from 'vitest';

import { parseErrorDoc, parseListPage, unescapeXml } from '../../src/storage/s3-xml.js';

const page = (contents: string, tail: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>${tail}${contents}</ListBucketResult>`;

describe('parseListPage', () => {
  it('reads keys and sizes, unescaping entities', () => {
    const xml = page(
      '<Contents><Key>p/data/a&amp;b</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;x&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>' +
        '<Contents><Key>p/caf&#233;&#x21;</Key><Size>0</Size></Contents>',
      '<IsTruncated>false</IsTruncated>',
    );
    expect(parseListPage(xml)).toEqual({
      objects: [
        { key: 'p/data/a&b', size: 12 },
        { key: 'p/café!', size: 0 },
      ],
      next: undefined,
    });
  });

  it('returns the continuation token of a truncated page', () => {
    const xml = page(
      '<Contents><Key>k</Key><Size>1</Size></Contents>',
      '<IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=&amp;</NextContinuationToken>',
    );
    expect(parseListPage(xml).next).toBe('1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=&');
  });

  it('an empty listing has no objects', () => {
    expect(parseListPage(page('', '<IsTruncated>false</IsTruncated>'))).toEqual({
      objects: [],
      next: undefined,
    });
  });

  it('rejects what is not a listing, a truncated page without token, a bad size', () => {
    expect(() => parseListPage('<Error><Code>x</Code></Error>')).toThrow(/ListBucketResult/);
    expect(() => parseListPage(page('', '<IsTruncated>true</IsTruncated>'))).toThrow(
      /ContinuationToken/,
    );
    expect(() =>
      parseListPage(page('<Contents><Key>k</Key><Size>-1</Size></Contents>', '')),
    ).toThrow(/Size/);
  });
});

describe('parseErrorDoc', () => {
  it('reads code, message, request id and region', () => {
    expect(
      parseErrorDoc(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region &apos;us-east-1&apos; is wrong</Message><Region>eu-west-1</Region><RequestId>R1</RequestId><HostId>h</HostId></Error>',
      ),
    ).toEqual({
      code: 'AuthorizationHeaderMalformed',
      message: "the region 'us-east-1' is wrong",
      requestId: 'R1',
      region: 'eu-west-1',
    });
  });

  it('is empty for a body that is no error document', () => {
    expect(parseErrorDoc('<html>bad gateway</html>')).toEqual({});
    expect(parseErrorDoc('')).toEqual({});
  });

  it('unescapeXml leaves unknown entities alone', () => {
    expect(unescapeXml('&lt;a&gt; &nbsp; &#65;')).toBe('<a> &nbsp; A');
  });
});
