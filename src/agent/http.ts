/**
 * The agent's HTTP API server (node:http): a small router over {@link ApiRoute}s, JSON in and out,
 * bound only where the agent was told (`--http IP:PORT`, default 127.0.0.1:7374).
 *
 * Every request gets an answer; nothing a client sends can crash the agent. Failures are JSON:
 * `{"error":{"code":"GP_ERR_CONFIG","message":"…"}}` with 400 (bad parameters or body), 404
 * (unknown path), 405 (wrong method), 409 (wrong state, e.g. after leave), 413 (body above
 * {@link MAX_BODY_BYTES}), 503 (no member to pick, transport down) or 500 (a bug; logged).
 *
 * The routes themselves live in ./routes.ts; other areas add theirs there.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { formatAddress, type Address } from '../core/io.js';
import type { Logger } from '../core/logger.js';
import { ConfigError, GossipError, NoCandidateError, StateError, TooLargeError } from '../wire/errors.js';
import { bindFailureReason, TransportError } from '../transport/errors.js';

/** Request bodies above this are refused with 413 (the largest legitimate body, a query, is ~1 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

/** An error the API answers with a status and a stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A parsed request as a route sees it. */
export interface ApiRequest {
  readonly method: string;
  readonly url: URL;
  /** The JSON body (`{}` when empty); throws a 400 ApiError for invalid JSON, 413 when too large. */
  json(): Promise<unknown>;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
}

/** What a route answers. */
export type ApiResponse =
  | {
      readonly status?: number;
      readonly json: unknown;
      /** Extra response headers (e.g. a blocking query's index). */
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly status?: number; readonly text: string; readonly contentType: string }
  /** Newline-delimited JSON, one object per line as they come (for long answers such as queries). */
  | { readonly status?: number; readonly ndjson: AsyncIterable<unknown> };

/** One endpoint. */
export interface ApiRoute<C> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Exact path, e.g. `/v1/members`. */
  readonly path: string;
  handle(req: ApiRequest, ctx: C): Promise<ApiResponse> | ApiResponse;
}

/** A running API server. */
export interface HttpApi {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: Address;
  /** Stops accepting, ends open connections, resolves when closed. */
  close(): Promise<void>;
}

/** Maps any thrown value to a status, code and message. */
function errorAnswer(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof ApiError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof ConfigError) return { status: 400, code: err.code, message: err.message };
  if (err instanceof TooLargeError) return { status: 400, code: err.code, message: err.message };
  if (err instanceof StateError) return { status: 409, code: err.code, message: err.message };
  if (err instanceof TransportError) return { status: 503, code: err.code, message: err.message };
  if (err instanceof NoCandidateError) return { status: 503, code: err.code, message: err.message };
  if (err instanceof GossipError && err.code === 'GP_ERR_ABORTED')
    return { status: 503, code: err.code, message: err.message };
  if (err instanceof GossipError) return { status: 400, code: err.code, message: err.message };
  return { status: 500, code: 'GP_ERR_INTERNAL', message: 'internal error (see the agent log)' };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new ApiError(413, 'GP_ERR_TOO_LARGE', `body above ${MAX_BODY_BYTES} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (b: Buffer) => {
      if (failed) return;
      size += b.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(new ApiError(413, 'GP_ERR_TOO_LARGE', `body above ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(b);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendError(res: ServerResponse, err: unknown, log: Logger): void {
  const a = errorAnswer(err);
  if (a.status === 500) log.error({ err }, 'http api: request failed');
  if (res.headersSent) {
    // A stream already started: report in-band and end it.
    res.end(`${JSON.stringify({ error: { code: a.code, message: a.message } })}\n`);
    return;
  }
  send(
    res,
    a.status,
    'application/json',
    `${JSON.stringify({ error: { code: a.code, message: a.message } })}\n`,
  );
}

/**
 * Starts the API on `bind` with `routes` served against `ctx`. Rejects with a `TransportError`
 * (code `GP_ERR_TRANSPORT`) when the address cannot be bound (e.g. in use).
 */
export async function startHttpApi<C>(opts: {
  bind: Address;
  routes: readonly ApiRoute<C>[];
  ctx: C;
  logger: Logger;
}): Promise<HttpApi> {
  const { routes, ctx, logger: log } = opts;
  const byPath = new Map<string, ApiRoute<C>[]>();
  for (const r of routes) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const closed = new AbortController();
    res.on('close', () => closed.abort());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://agent');
    } catch {
      throw new ApiError(400, 'GP_ERR_CONFIG', 'invalid request URL');
    }
    const candidates = byPath.get(url.pathname);
    if (candidates === undefined)
      throw new ApiError(404, 'GP_ERR_NOT_FOUND', `no such endpoint ${url.pathname}`);
    const route = candidates.find((r) => r.method === req.method);
    if (route === undefined) {
      res.setHeader('allow', candidates.map((r) => r.method).join(', '));
      throw new ApiError(405, 'GP_ERR_METHOD', `${req.method} not allowed on ${url.pathname}`);
    }
    let bodyRead: Promise<unknown> | undefined;
    const apiReq: ApiRequest = {
      method: req.method ?? 'GET',
      url,
      signal: closed.signal,
      json: () =>
        (bodyRead ??= readBody(req).then((buf) => {
          if (buf.length === 0) return {};
          try {
            return JSON.parse(buf.toString('utf8')) as unknown;
          } catch {
            throw new ApiError(400, 'GP_ERR_CONFIG', 'body: not valid JSON');
          }
        })),
    };
    const answer = await route.handle(apiReq, ctx);
    const status = answer.status ?? 200;
    if ('json' in answer)
      return send(res, status, 'application/json', `${JSON.stringify(answer.json)}\n`, answer.headers);
    if ('text' in answer) return send(res, status, answer.contentType, answer.text);
    res.writeHead(status, { 'content-type': 'application/x-ndjson' });
    for await (const item of answer.ndjson) {
      if (closed.signal.aborted) break;
      res.write(`${JSON.stringify(item)}\n`);
    }
    res.end();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, err, log));
  });
  // Bad request lines and the like: answer 400 and drop the socket, never throw.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(
        new TransportError(
          'bind',
          `cannot serve the HTTP API on ${formatAddress(opts.bind)}: ${bindFailureReason(err)}`,
          { cause: err },
        ),
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: opts.bind.ip, port: opts.bind.port, exclusive: true });
  });
  server.on('error', (err) => log.error({ err }, 'http api: server error'));
  const a = server.address();
  const address: Address =
    a !== null && typeof a === 'object' ? { ip: opts.bind.ip, port: a.port } : opts.bind;
  let closing: Promise<void> | undefined;
  return {
    address,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
