/**
 * Object-name rules shared by every backend: '/'-separated relative keys, never absolute and
 * never climbing out of the repository root. Names come from listings an attacker may control.
 */

import { UsageError } from '../errors.js';

export function checkObjectName(name: string): void {
  if (
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    name.split('/').some((p) => p === '..' || p === '.')
  ) {
    throw new UsageError(`invalid object name ${JSON.stringify(name)}`, { name });
  }
}
