/**
 * Exit codes: one per error kind of the catalogue (repo-core `errors.ts`), aligned with restic
 * where restic has one (10 no repository, 12 wrong password, 3 partial). Documented in
 * `salvage --help` and the README; test/cli keeps the mapping complete.
 */

import type { ErrorKind } from '@salvage/repo-core';

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  partial: 3,
  repository: 10,
  credentials: 12,
  notFound: 13,
  integrity: 14,
  unsupported: 15,
  storage: 16,
  unsafe: 17,
} as const;

export const exitCodeByKind: Record<ErrorKind, number> = {
  usage: EXIT.usage,
  credentials: EXIT.credentials,
  repository: EXIT.repository,
  'not-found': EXIT.notFound,
  integrity: EXIT.integrity,
  unsupported: EXIT.unsupported,
  storage: EXIT.storage,
  unsafe: EXIT.unsafe,
  partial: EXIT.partial,
};

export const exitCodeHelp = `
Exit codes:
  0   success
  1   unexpected error
  2   usage error (bad option, malformed argument, no password given)
  3   partial: the command finished but some entries failed or were refused
  10  repository not found or unreadable (no config / kopia.repository, no such bucket)
  12  wrong password or access denied
  13  snapshot or path not found
  14  data integrity error (MAC, hash, missing object)
  15  unsupported repository format or feature
  16  storage error (network, TLS, I/O)
  17  unsafe path refused`;
