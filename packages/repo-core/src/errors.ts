/**
 * The error catalogue. Every failure a person can meet has one class here with a stable `code`,
 * structured `data`, and a one-line message that says what to do. Callers branch on the class
 * or `code`, never on the message text. `cause` is always kept.
 *
 * The CLI maps each code to an exit code and the server to an HTTP status (see `errorKinds`);
 * test/errors-catalogue.test.ts keeps that mapping complete.
 */

export type ErrorData = Record<string, unknown>;

/** What the failure is about, used for exit codes and HTTP statuses. */
export type ErrorKind =
  | 'usage'
  | 'credentials'
  | 'repository'
  | 'not-found'
  | 'integrity'
  | 'unsupported'
  | 'storage'
  | 'unsafe'
  | 'partial';

export abstract class SalvageError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;
  /** true when trying the same call again may succeed (network, throttling). */
  readonly retryable: boolean = false;
  readonly data: ErrorData;

  constructor(message: string, data: ErrorData = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.data = data;
  }

  toJSON(): { name: string; code: string; kind: ErrorKind; message: string; data: ErrorData } {
    return {
      name: this.name,
      code: this.code,
      kind: this.kind,
      message: this.message,
      data: this.data,
    };
  }
}

/** A call's arguments are wrong (bad option, malformed id, path not in snapshot syntax). */
export class UsageError extends SalvageError {
  readonly code = 'SALVAGE_USAGE';
  readonly kind = 'usage';
}

/** No key in the repository opens with the given password. */
export class WrongPasswordError extends SalvageError {
  readonly code = 'SALVAGE_WRONG_PASSWORD';
  readonly kind = 'credentials';
  /** `passwords`: how many candidate passwords were tried (openRepository), when more than one */
  constructor(location: string, options?: { cause?: unknown; tried?: number; passwords?: number }) {
    const n = options?.passwords ?? 1;
    super(
      `wrong password for repository ${location}: no key opened with ${n > 1 ? `any of the ${n} passwords given` : 'it'} (check --password-file / RESTIC_PASSWORD / KOPIA_PASSWORD)`,
      { location, tried: options?.tried, ...(n > 1 ? { passwords: n } : {}) },
      options,
    );
  }
}

/** The location holds no repository Salvage knows (no restic `config`, no `kopia.repository`). */
export class RepositoryNotFoundError extends SalvageError {
  readonly code = 'SALVAGE_REPOSITORY_NOT_FOUND';
  readonly kind = 'repository';
  constructor(
    location: string,
    detail = 'it holds neither a restic config nor a kopia.repository',
    options?: { cause?: unknown },
  ) {
    super(`no repository at ${location}: ${detail}`, { location }, options);
  }
}

/** The repository uses a version, algorithm or feature this reader does not implement. */
export class UnsupportedFormatError extends SalvageError {
  readonly code = 'SALVAGE_UNSUPPORTED_FORMAT';
  readonly kind = 'unsupported';
}

/** An object the metadata refers to does not exist in storage (missing pack, index, blob). */
export class MissingObjectError extends SalvageError {
  readonly code = 'SALVAGE_MISSING_OBJECT';
  readonly kind = 'integrity';
  constructor(what: string, data: ErrorData = {}, options?: { cause?: unknown }) {
    super(
      `${what} is missing from the repository; run a check to see what else is affected`,
      data,
      options,
    );
  }
}

/**
 * Stored bytes failed verification: a MAC/AEAD tag, a hash against its id, a length, or a
 * structure that cannot be parsed. The message names the object (pack and blob, or content).
 */
export class IntegrityError extends SalvageError {
  readonly code = 'SALVAGE_INTEGRITY';
  readonly kind = 'integrity';
}

/** No snapshot matches the given id, prefix or filter. */
export class SnapshotNotFoundError extends SalvageError {
  readonly code = 'SALVAGE_SNAPSHOT_NOT_FOUND';
  readonly kind = 'not-found';
}

/** A short id prefix matches more than one snapshot. */
export class AmbiguousSnapshotError extends SalvageError {
  readonly code = 'SALVAGE_AMBIGUOUS_SNAPSHOT';
  readonly kind = 'usage';
}

/** A path does not exist inside a snapshot. */
export class PathNotFoundError extends SalvageError {
  readonly code = 'SALVAGE_PATH_NOT_FOUND';
  readonly kind = 'not-found';
}

/** The storage backend refused access (S3 403, EACCES). */
export class AccessDeniedError extends SalvageError {
  readonly code = 'SALVAGE_ACCESS_DENIED';
  readonly kind = 'credentials';
}

/** The S3 bucket does not exist. */
export class NoSuchBucketError extends SalvageError {
  readonly code = 'SALVAGE_NO_SUCH_BUCKET';
  readonly kind = 'repository';
}

/** The TLS handshake failed (unknown CA, bad certificate, wrong host name). */
export class TlsError extends SalvageError {
  readonly code = 'SALVAGE_TLS';
  readonly kind = 'storage';
}

/** A transient or unexplained storage failure (network, 5xx after retries, I/O error). */
export class StorageError extends SalvageError {
  readonly code = 'SALVAGE_STORAGE';
  readonly kind = 'storage';
  override readonly retryable: boolean;
  constructor(
    message: string,
    data: ErrorData = {},
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, data, options);
    this.retryable = options?.retryable ?? false;
  }
}

/** Restore refused an entry whose name or path would write outside the target. */
export class UnsafePathError extends SalvageError {
  readonly code = 'SALVAGE_UNSAFE_PATH';
  readonly kind = 'unsafe';
}

/** A restore or dump finished, but some entries failed; `data.errors` counts them. */
export class PartialFailureError extends SalvageError {
  readonly code = 'SALVAGE_PARTIAL';
  readonly kind = 'partial';
}

/** Every error class, for catalogue tests and docs. */
export const errorClasses = [
  UsageError,
  WrongPasswordError,
  RepositoryNotFoundError,
  UnsupportedFormatError,
  MissingObjectError,
  IntegrityError,
  SnapshotNotFoundError,
  AmbiguousSnapshotError,
  PathNotFoundError,
  AccessDeniedError,
  NoSuchBucketError,
  TlsError,
  StorageError,
  UnsafePathError,
  PartialFailureError,
] as const;

export function isSalvageError(e: unknown): e is SalvageError {
  return e instanceof SalvageError;
}
