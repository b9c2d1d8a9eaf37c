/**
 * Where S3 credentials come from, in the AWS SDK's order: keys given in the options; else the
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) environment variables, unless
 * AWS_PROFILE is set (the SDK then skips them too); else the SDK's default provider chain
 * (shared config and credentials files, SSO, web identity, container and instance roles).
 *
 * Only that last case loads `@aws-sdk/client-s3` (150–400 ms of module loading), with a dynamic
 * `import()` on first use; its provider caches and refreshes temporary credentials itself.
 */

import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentials } from './sigv4.js';

export interface CredentialOptions {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

export interface CredentialSource {
  /** current credentials (may refresh); rejects when none can be found */
  get(): Promise<AwsCredentials>;
  /** 'options', 'env' or 'sdk' */
  readonly kind: 'options' | 'env' | 'sdk';
  close(): void;
}

export function credentialSource(
  options: CredentialOptions,
  env: Record<string, string | undefined>,
  region: string,
): CredentialSource {
  if (options.accessKeyId && options.secretAccessKey)
    return fixed('options', options.accessKeyId, options.secretAccessKey, options.sessionToken);
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && !env.AWS_PROFILE)
    return fixed('env', env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN);
  return sdkChain(region);
}

function fixed(
  kind: 'options' | 'env',
  accessKeyId: string,
  secretAccessKey: string,
  sessionToken: string | undefined,
): CredentialSource {
  const creds: AwsCredentials = {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
  };
  return { kind, get: () => Promise.resolve(creds), close: () => undefined };
}

function sdkChain(region: string): CredentialSource {
  let client: Promise<S3Client> | undefined;
  let closed = false;
  const load = (): Promise<S3Client> => {
    client ??= import('@aws-sdk/client-s3').then(({ S3Client }) => new S3Client({ region }));
    // a failed load (broken install) is not kept: the next call tries again
    client.catch(() => {
      client = undefined;
    });
    return client;
  };
  return {
    kind: 'sdk',
    async get() {
      const c = await load();
      const provider = c.config.credentials as unknown as () => Promise<AwsCredentials>;
      const got = await provider();
      return {
        accessKeyId: got.accessKeyId,
        secretAccessKey: got.secretAccessKey,
        ...(got.sessionToken ? { sessionToken: got.sessionToken } : {}),
      };
    },
    close() {
      if (closed) return;
      closed = true;
      void client?.then((c) => c.destroy()).catch(() => undefined);
    },
  };
}
