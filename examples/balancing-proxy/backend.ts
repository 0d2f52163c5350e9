/**
 * A backend for the balancing-proxy example: an HTTP server that answers
 * `{"backend":"<name>","path":"<path>"}` after `--delay-ms` (default 0), and a gossip-peer node
 * tagged `service=api` and `port=<its HTTP port>`, so proxies find it and know where to send.
 *
 *   node dist/examples/balancing-proxy/backend.js --name api-1 --http 127.0.0.1:9001 --gossip 127.0.0.1:7947 --join 127.0.0.1:7946
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { createNode } from 'gossip-peer';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'api' },
    http: { type: 'string', default: '127.0.0.1:9001' },
    gossip: { type: 'string', default: '127.0.0.1:7947' },
    join: { type: 'string', multiple: true, default: [] },
    service: { type: 'string', default: 'api' },
    'delay-ms': { type: 'string', default: '0' },
    profile: { type: 'string', default: 'local' },
  },
});

const [host, port] = [
  values.http.slice(0, values.http.lastIndexOf(':')),
  Number(values.http.split(':').pop()),
];
const delayMs = Number(values['delay-ms']);

const server = createServer((req, res) => {
  setTimeout(() => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(`${JSON.stringify({ backend: values.name, path: req.url })}\n`);
  }, delayMs);
});
await new Promise<void>((r) => server.listen(port, host, r));

const node = await createNode({
  name: values.name,
  bind: values.gossip,
  tags: { service: values.service, port: String(port) },
  profile: values.profile as 'local' | 'lan' | 'wan',
});
if (values.join.length > 0) void node.join(values.join, { attempts: Infinity }).catch(() => {});
process.stdout.write(`${values.name} serving on ${values.http}\n`);

const stop = (): void => {
  server.close();
  void node.leave().finally(() => node.close().then(() => process.exit(0)));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
