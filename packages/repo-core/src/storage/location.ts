/**
 * Parse restic-compatible repository locations (restic doc/030_preparing_a_new_repo.rst;
 * restic internal/backend/s3/config.go ParseConfig):
 *   /path, ./rel, local:/path
 *   s3:https://host[:port]/bucket[/prefix]   s3:http://host[:port]/bucket[/prefix]
 *   s3:host[:port]/bucket[/prefix]           (https implied)
 *   s3:s3.amazonaws.com/bucket[/prefix]      (AWS; virtual-host style allowed)
 */

import { UsageError } from '../errors.js';

export type Location =
  | { readonly kind: 'local'; readonly path: string }
  | {
      readonly kind: 's3';
      /** scheme://host[:port], no trailing slash */
      readonly endpoint: string;
      readonly bucket: string;
      /** key prefix without leading or trailing '/', may be '' */
      readonly prefix: string;
      readonly useHttps: boolean;
      /** true for *.amazonaws.com endpoints (virtual-host addressing is fine there) */
      readonly isAws: boolean;
    };

export function parseLocation(input: string): Location {
  if (input === '') throw new UsageError('empty repository location');
  if (input.startsWith('local:')) {
    const path = input.slice('local:'.length);
    if (path === '') throw new UsageError('local: location needs a path');
    return { kind: 'local', path };
  }
  if (input.startsWith('s3:')) return parseS3(input.slice(3), input);
  const scheme = /^([a-z][a-z0-9+.-]*):(?!\\)/i.exec(input);
  if (scheme && scheme[1] && scheme[1].length > 1) {
    throw new UsageError(
      `unsupported repository location ${JSON.stringify(input)}: only local paths and s3: are supported`,
      { location: input },
    );
  }
  return { kind: 'local', path: input };
}

function parseS3(rest: string, original: string): Location {
  let useHttps = true;
  let hostAndPath: string;
  const m = /^(https?):\/\/(.*)$/i.exec(rest);
  if (m) {
    useHttps = m[1]!.toLowerCase() === 'https';
    hostAndPath = m[2]!;
  } else {
    hostAndPath = rest.replace(/^\/\//, '');
  }
  const parts = hostAndPath.split('/').filter((p) => p !== '');
  const host = parts.shift();
  const bucket = parts.shift();
  if (!host || !bucket) {
    throw new UsageError(
      `invalid s3 location ${JSON.stringify(original)}: expected s3:[https://]host[:port]/bucket[/prefix]`,
      { location: original },
    );
  }
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host) && !/^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(host)) {
    throw new UsageError(`invalid s3 host ${JSON.stringify(host)} in ${original}`, {
      location: original,
    });
  }
  const prefix = parts.join('/');
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  return {
    kind: 's3',
    endpoint: `${useHttps ? 'https' : 'http'}://${host}`,
    bucket,
    prefix,
    useHttps,
    isAws: hostname === 'amazonaws.com' || hostname.endsWith('.amazonaws.com'),
  };
}

export function formatLocation(loc: Location): string {
  if (loc.kind === 'local') return loc.path;
  return `s3:${loc.endpoint}/${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
}
