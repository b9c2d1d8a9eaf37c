/**
 * Keep-alive connections to one HTTP endpoint, at most `maxSockets` in use at once; requests
 * beyond that wait their turn (first come, first served). An idle connection is reused (most
 * recently used first: the least likely to have been closed by the server), is unreferenced so
 * it never keeps the process alive, and is closed after `idleTimeoutMs` unused.
 */

import { HttpConnection, type HttpEndpoint, type HttpRequest, type HttpResponse } from './http1.js';

export interface HttpPoolOptions {
  maxSockets: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

export class HttpPool {
  readonly #idle: HttpConnection[] = [];
  readonly #all = new Set<HttpConnection>();
  readonly #waiting: (() => void)[] = [];
  #free: number;
  #closed = false;

  constructor(
    readonly endpoint: HttpEndpoint,
    readonly options: HttpPoolOptions,
  ) {
    this.#free = Math.max(1, options.maxSockets);
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    await this.#slot();
    let conn: HttpConnection | undefined;
    try {
      if (this.#closed) throw new Error('HTTP connection pool is closed');
      conn = await this.#connection();
      const res = await conn.request(req);
      if (conn.idle && !this.#closed) {
        conn.park(this.options.idleTimeoutMs);
        this.#idle.push(conn);
      } else {
        conn.destroy();
      }
      return res;
    } catch (e) {
      conn?.destroy();
      throw e;
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }

  close(): void {
    this.#closed = true;
    for (const c of this.#all) c.destroy();
    this.#all.clear();
    this.#idle.length = 0;
  }

  #slot(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  async #connection(): Promise<HttpConnection> {
    for (let c = this.#idle.pop(); c; c = this.#idle.pop()) if (c.idle) return c;
    const conn = await HttpConnection.open(this.endpoint, this.options.connectTimeoutMs);
    this.#all.add(conn);
    conn.onClose = () => {
      this.#all.delete(conn);
      const i = this.#idle.indexOf(conn);
      if (i >= 0) this.#idle.splice(i, 1);
    };
    if (this.#closed) conn.destroy();
    return conn;
  }
}
