import { describe, expect, it } from 'vitest';
import { errorClasses, WrongPasswordError } from '@salvage/repo-core';

describe('repo-core exports', () => {
  it('has an error catalogue with unique codes', () => {
    const codes = errorClasses.map(
      (C) => new (C as unknown as new (...a: unknown[]) => { code: string })('x').code,
    );
    expect(new Set(codes).size).toBe(codes.length);
    expect(new WrongPasswordError('/r').code).toBe('SALVAGE_WRONG_PASSWORD');
  });
});
