/**
 * A real MinIO server for S3 tests: `minio server` on a free 127.0.0.1 port with a temporary data
 * dir and random root credentials, optionally over TLS with a CA made on the fly. Callers stop it
 * in afterAll; a process-exit hook kills it too if a test run dies first.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { toolPath } from './tools.js';

export interface MinioServer {
  /** e.g. http://127.0.0.1:39123 or https://127.0.0.1:39124 */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** always 'us-east-1' */
  region: string;
  /** TLS variant: path of the PEM of the generated CA */
  caFile?: string;
  /** the server's temporary directory (data, certificates); removed by stop() */
  dataDir: string;
  createBucket(name: string): Promise<void>;
  /** uploads every file under localDir; keys = prefix + relative path ('/'-joined); returns the object count */
  uploadDir(bucket: string, prefix: string, localDir: string): Promise<number>;
  /** kills the process and removes its temporary data dir */
  stop(): Promise<void>;
}

export interface StartMinioOptions {
  tls?: boolean;
}

const READY_TIMEOUT_MS = 60_000;
const UPLOAD_CONCURRENCY = 8;

/** Starts MinIO and resolves once its readiness endpoint answers 200. */
export async function startMinio(options: StartMinioOptions = {}): Promise<MinioServer> {
  const exe = toolPath('minio');
  const base = await mkdtemp(join(tmpdir(), 'salvage-minio-'));
  try {
    const certsDir = join(base, 'certs');
    const caFile = options.tls ? await makeCertificates(certsDir) : undefined;
    const ca = caFile ? await readFile(caFile) : undefined;
    // a port can be taken between probing and MinIO binding it: retry a few times
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch(exe, base, certsDir, caFile, ca);
      } catch (error) {
        if (attempt >= 3 || !(error instanceof PortInUseError)) throw error;
      }
    }
  } catch (error) {
    await rm(base, { recursive: true, force: true });
    throw error;
  }
}

/** An S3 client for this server (path-style, its region and credentials, its CA if TLS). */
export function minioClient(server: MinioServer, ca?: Buffer): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
    requestHandler: ca ? new NodeHttpHandler({ httpsAgent: new HttpsAgent({ ca }) }) : undefined,
  });
}

class PortInUseError extends Error {}

async function launch(
  exe: string,
  base: string,
  certsDir: string,
  caFile: string | undefined,
  ca: Buffer | undefined,
): Promise<MinioServer> {
  const [port, consolePort] = [await freePort(), await freePort()];
  const accessKey = `salvage${randomBytes(6).toString('hex')}`;
  const secretKey = randomBytes(18).toString('base64url');
  const dataDir = join(base, `data-${port}`);
  const args = [
    'server',
    dataDir,
    '--address',
    `127.0.0.1:${port}`,
    '--console-address',
    `127.0.0.1:${consolePort}`,
    '--certs-dir',
    certsDir,
    '--quiet',
  ];
  // MinIO runs under a bash watchdog that holds our end of a pipe: when this process goes away
  // (even by SIGKILL) or stop() closes the pipe, the watchdog stops MinIO. Its own process group
  // lets stop() SIGKILL both if MinIO hangs.
  const child = spawn('bash', ['-c', WATCHDOG, 'minio-watchdog', exe, ...args], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: base,
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: secretKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_REGION: 'us-east-1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killOnExit = () => killGroup(child);
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const scheme = caFile ? 'https' : 'http';
  const endpoint = `${scheme}://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      child.stdin?.end();
      process.removeListener('exit', killOnExit);
      await rm(dataDir, { recursive: true, force: true });
      const message = `minio exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`;
      throw /address already in use/i.test(output)
        ? new PortInUseError(message)
        : new Error(message);
    }
    if ((await healthStatus(`${endpoint}/minio/health/ready`, ca)) === 200) break;
    if (Date.now() > deadline) {
      await stopChild(child, exited);
      process.removeListener('exit', killOnExit);
      throw new Error(`minio did not become ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await sleep(100);
  }

  let client: S3Client | undefined;
  let stopped = false;
  const server: MinioServer = {
    endpoint,
    accessKey,
    secretKey,
    region: 'us-east-1',
    dataDir: base,
    ...(caFile ? { caFile } : {}),
    async createBucket(name) {
      client ??= minioClient(server, ca);
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async uploadDir(bucket, prefix, localDir) {
      client ??= minioClient(server, ca);
      const files = await listFiles(localDir);
      const s3 = client;
      let next = 0;
      const worker = async () => {
        while (next < files.length) {
          const file = files[next++]!;
          const key = prefix + relative(localDir, file).split(sep).join('/');
          await s3.send(
            new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(file) }),
          );
        }
      };
      await Promise.all(Array.from({ length: UPLOAD_CONCURRENCY }, worker));
      return files.length;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      client?.destroy();
      await stopChild(child, exited);
      process.removeListener('exit', killOnExit);
      await rm(base, { recursive: true, force: true });
    },
  };
  return server;
}

/** `bash -c WATCHDOG _ minio args...`: runs MinIO until it exits or stdin reaches EOF */
// (fd 3: bash gives background jobs /dev/null as stdin unless redirected explicitly)
const WATCHDOG =
  'exec 3<&0; "$@" </dev/null & m=$!; { cat <&3 >/dev/null; kill -TERM $m 2>/dev/null; } & wait $m';

/** Closes the watchdog's pipe (MinIO gets SIGTERM), SIGKILLs the group after 5 s. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  child.stdin?.end();
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => killGroup(child), 5_000);
  await exited;
  clearTimeout(timer);
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** HTTP status of a GET, or 0 when the server does not answer (yet). */
function healthStatus(url: string, ca: Buffer | undefined): Promise<number> {
  return new Promise((resolve) => {
    const request = ca ? httpsRequest(url, { ca }) : httpRequest(url);
    request.setTimeout(2_000, () => request.destroy());
    request.once('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', () => resolve(0));
    request.end();
  });
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/**
 * Writes a throw-away CA and a server certificate for 127.0.0.1/localhost signed by it, as
 * MinIO expects them in --certs-dir (public.crt, private.key). Returns the CA's PEM path.
 */
async function makeCertificates(certsDir: string): Promise<string> {
  const work = join(certsDir, '..', 'ca');
  await run('mkdir', ['-p', certsDir, work]);
  const caKey = join(work, 'ca.key');
  const caCrt = join(work, 'ca.crt');
  const csr = join(work, 'server.csr');
  const ext = join(work, 'server.ext');
  const key = join(certsDir, 'private.key');
  const crt = join(certsDir, 'public.crt');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    caKey,
    '-out',
    caCrt,
    '-days',
    '2',
    '-subj',
    '/CN=Salvage test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', ['req', ...ec, '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await writeFile(
    ext,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' +
      'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caCrt,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    crt,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return caCrt;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (error, _stdout, stderr) =>
      error
        ? reject(new Error(`${cmd} ${args[0]} failed: ${stderr}`, { cause: error }))
        : resolve(),
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
