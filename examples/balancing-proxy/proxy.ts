/**
 * An HTTP reverse proxy that balances across the members tagged `service=api`, found and kept up
 * to date by gossip (no registry, no health-check loop of its own):
 *
 *   node dist/examples/balancing-proxy/proxy.js --name proxy --http 127.0.0.1:8080 --gossip 127.0.0.1:7946
 *   node dist/examples/balancing-proxy/backend.js --name api-1 --http 127.0.0.1:9001 --gossip 127.0.0.1:7947 --join 127.0.0.1:7946
 *   curl -s 127.0.0.1:8080/hello   →  {"backend":"api-1","path":"/hello"}
 *
 * Each request goes to the backend `node.balancer()` picks (least-loaded by default), at the
 * member's IP and the port of its `port` tag. A backend that turns suspect or failed is never
 * picked again. A connection the backend refuses (it is gone, but nobody suspects it yet) reached
 * no backend code, so it is retried on another pick, at most twice; a request that was already
 * sent when its backend died fails with 502, as nothing can tell whether it ran.
 *
 * With `--log`, one JSON line per decision on stdout: `{"ts","event":"set","backends":[…]}` when
 * the set of backends changes, `{"ts","event":"forward","id","backend"}` when a request is sent,
 * `{"ts","event":"done","id","backend","status"}` / `{"ts","event":"error","id","backend","code"}`,
 * and `{"ts","event":"member-failed","name"}` when any member is declared failed.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { createNode, NoCandidateError, type PickedMember, type StrategyName } from 'gossip-peer';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'proxy' },
    http: { type: 'string', default: '127.0.0.1:8080' },
    gossip: { type: 'string', default: '127.0.0.1:7946' },
    join: { type: 'string', multiple: true, default: [] },
    service: { type: 'string', default: 'api' },
    strategy: { type: 'string', default: 'least-loaded' },
    profile: { type: 'string', default: 'local' },
    log: { type: 'boolean', default: false },
  },
});

const log = (o: object): void => {
  if (values.log) process.stdout.write(`${JSON.stringify({ ts: Date.now(), ...o })}\n`);
};

const node = await createNode({
  name: values.name,
  bind: values.gossip,
  tags: { role: 'proxy' },
  profile: values.profile as 'local' | 'lan' | 'wan',
});
if (values.join.length > 0) void node.join(values.join, { attempts: Infinity }).catch(() => {});

const tags = { service: values.service };
const lb = node.balancer({ tags, strategy: values.strategy as StrategyName });

// Report failures, and the set of backends as it changes (the same view the balancer picks from).
node.on('member-failed', (e) => log({ event: 'member-failed', name: e.member.name }));
void (async () => {
  for await (const set of node.watch({ tags })) log({ event: 'set', backends: set.map((m) => m.name) });
})();

let nextId = 1;
/** Picks per request: a refused connection is retried on another backend. */
const MAX_ATTEMPTS = 3;

/** Forward `body` to one picked backend; resolves false when the backend refused the connection. */
function forward(
  id: number,
  p: PickedMember,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
): Promise<boolean> {
  return new Promise((resolve) => {
    log({ event: 'forward', id, backend: p.name });
    let connected = false;
    const out = request(
      {
        host: p.service.ip,
        port: p.service.port,
        agent: false, // a fresh connection per request: a dead backend's pooled socket never carries one
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('end', () => {
          log({ event: 'done', id, backend: p.name, status: up.statusCode });
          resolve(true);
        });
        up.on('error', (err: NodeJS.ErrnoException) => {
          log({ event: 'error', id, backend: p.name, code: err.code ?? 'EIO' });
          res.destroy();
          resolve(true);
        });
      },
    );
    out.on('socket', (s) => s.on('connect', () => (connected = true)));
    out.on('error', (err: NodeJS.ErrnoException) => {
      log({ event: 'error', id, backend: p.name, code: err.code ?? 'EIO' });
      if (!connected && err.code === 'ECONNREFUSED') {
        resolve(false); // nothing reached the backend: safe to try another one
        return;
      }
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(`{"error":"backend ${p.name} failed: ${err.code ?? 'error'}"}\n`);
      resolve(true);
    });
    out.end(body);
  });
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      const id = nextId++;
      const body = Buffer.concat(chunks);
      const refused = new Set<string>();
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        let p: PickedMember;
        try {
          p = lb.pick(undefined, { exclude: refused });
        } catch (err) {
          if (!(err instanceof NoCandidateError)) throw err;
          if (refused.size > 0) break; // every candidate refused this request
          res.writeHead(503, { 'content-type': 'application/json' }).end(`{"error":"${err.message}"}\n`);
          return;
        }
        try {
          if (await forward(id, p, req, body, res)) return;
          refused.add(p.name);
        } finally {
          p.release();
        }
      }
      res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"every backend refused"}\n');
    })();
  });
});

const [host, port] = [
  values.http.slice(0, values.http.lastIndexOf(':')),
  Number(values.http.split(':').pop()),
];
server.listen(port, host, () => log({ event: 'listening', http: values.http }));

const stop = (): void => {
  server.close();
  void node.leave().finally(() => node.close().then(() => process.exit(0)));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
