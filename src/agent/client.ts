/**
 * The client side of the agent's HTTP API, for the client subcommands (`gossip-peer members`,
 * `leave`, …). Every failure is a {@link AgentClientError} with one human line: the agent is not
 * running there, it answered with an API error, or it answered garbage.
 */
import { request } from 'node:http';
import { formatAddress, type Address } from '../core/io.js';
import { parseHostPort } from '../core/host-port.js';
import { DEFAULT_HTTP_ADDR, HTTP_ADDR_ENV } from './config.js';

/** A client call failed; `message` is one line fit for the terminal. */
export class AgentClientError extends Error {
  constructor(
    message: string,
    /** HTTP status when the agent answered, else undefined. */
    readonly status?: number,
    /** The API's error code when it sent one. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'AgentClientError';
  }
}

/**
 * The agent address a client uses: `--http` if given, else `$GOSSIP_PEER_HTTP_ADDR`, else
 * 127.0.0.1:7374. Throws an {@link AgentClientError} for a malformed address.
 */
export function agentAddress(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Address {
  const text = flag ?? env[HTTP_ADDR_ENV] ?? DEFAULT_HTTP_ADDR;
  const a = parseHostPort(text);
  if (typeof a === 'string') throw new AgentClientError(`--http: ${a}`);
  return a;
}

/** Options of one call. */
export interface AgentCallOptions {
  readonly body?: unknown;
  /** Whole-call deadline. Default 30 s. */
  readonly timeoutMs?: number;
  /** Each NDJSON line as it arrives (for streaming endpoints); the call then resolves with undefined. */
  readonly onLine?: (value: unknown) => void;
}

/** Calls `method path` on the agent at `addr`; resolves with the parsed JSON answer. */
export function callAgent(
  addr: Address,
  method: 'GET' | 'POST',
  path: string,
  opts: AgentCallOptions = {},
): Promise<unknown> {
  const where = formatAddress(addr);
  const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: addr.ip,
        port: addr.port,
        method,
        path,
        agent: false,
        headers: {
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
        },
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let pending = '';
        const streaming = opts.onLine !== undefined && res.headers['content-type'] === 'application/x-ndjson';
        res.on('data', (b: Buffer) => {
          if (!streaming) {
            chunks.push(b);
            return;
          }
          pending += b.toString('utf8');
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            if (line.trim() === '') continue;
            try {
              opts.onLine!(JSON.parse(line));
            } catch (err) {
              req.destroy();
              reject(
                new AgentClientError(`the agent at ${where} sent a bad line: ${(err as Error).message}`),
              );
            }
          }
        });
        res.on('error', (err) =>
          reject(new AgentClientError(`reading the answer from ${where}: ${err.message}`)),
        );
        res.on('end', () => {
          if (streaming) return resolve(undefined);
          const text = Buffer.concat(chunks).toString('utf8');
          let value: unknown;
          try {
            value = text === '' ? {} : JSON.parse(text);
          } catch {
            return reject(
              new AgentClientError(
                `the agent at ${where} answered ${res.statusCode} with non-JSON text`,
                res.statusCode,
              ),
            );
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(value);
          const e = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
          const msg = typeof e?.message === 'string' ? e.message : `HTTP ${status}`;
          reject(new AgentClientError(msg, status, typeof e?.code === 'string' ? e.code : undefined));
        });
      },
    );
    req.on('timeout', () => {
      req.destroy();
      reject(
        new AgentClientError(`the agent at ${where} did not answer within ${opts.timeoutMs ?? 30_000} ms`),
      );
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'ECONNREFUSED'
          ? `no agent is listening at ${where} (start one with \`gossip-peer agent\`, or point --http at it)`
          : err.code?.startsWith('HPE_')
            ? `what listens at ${where} does not speak HTTP (${err.code}); is --http the agent's HTTP API address?`
            : `cannot reach the agent at ${where}: ${err.code ?? err.message}`;
      reject(new AgentClientError(why));
    });
    req.end(body);
  });
}
