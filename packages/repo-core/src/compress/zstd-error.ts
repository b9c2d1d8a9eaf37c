/** A malformed, truncated or oversize zstd input (RFC 8878); see zstd.ts. */
export class ZstdError extends Error {}
