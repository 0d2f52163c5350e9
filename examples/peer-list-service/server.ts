/**
 * A minimal service that embeds gossip-peer: an HTTP server whose `GET /` lists its live peers.
 * Start it twice; each lists the other, and a stopped one disappears from the other's list.
 *
 *   node dist/examples/peer-list-service/server.js --name a --http 127.0.0.1:8080 --gossip 127.0.0.1:7946
 *   node dist/examples/peer-list-service/server.js --name b --http 127.0.0.1:8081 --gossip 127.0.0.1:7947 --join 127.0.0.1:7946
 *   curl -s 127.0.0.1:8080/   →  {"self":"a","peers":[{"name":"b","gossip":"127.0.0.1:7947","url":"http://127.0.0.1:8081/"}]}
 *
 * Each instance advertises its HTTP URL as a tag, so a peer list doubles as service discovery.
 * Ctrl-C leaves the cluster gracefully (the others drop it at once) and exits 0.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { createNode } from 'gossip-peer';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    http: { type: 'string', default: '127.0.0.1:8080' },
    gossip: { type: 'string', default: '127.0.0.1:7946' },
    join: { type: 'string', multiple: true, default: [] },
  },
});

const [host, port] = [
  values.http.slice(0, values.http.lastIndexOf(':')),
  Number(values.http.split(':').pop()),
];
const url = `http://${values.http}/`;

// The node: gossip on its own port, our URL in a tag, seeds retried until one answers.
const node = await createNode({
  ...(values.name ? { name: values.name } : {}),
  bind: values.gossip,
  tags: { service: 'peer-list', url },
  profile: 'local', // fast failure detection for one machine; use 'lan' (the default) on a network
});
if (values.join.length > 0) void node.join(values.join, { attempts: Infinity }).catch(() => {});

const server = createServer((req, res) => {
  if (req.method !== 'GET' || req.url !== '/') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"try GET /"}\n');
    return;
  }
  const peers = node
    .members({ status: 'alive', tags: { service: 'peer-list' } })
    .filter((m) => m.name !== node.name)
    .map((m) => ({ name: m.name, gossip: `${m.addr.ip}:${m.addr.port}`, url: m.tags.url }));
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(`${JSON.stringify({ self: node.name, peers })}\n`);
});
server.listen(port, host, () => console.log(`${node.name}: peers at ${url} (gossip ${values.gossip})`));

for (const [event, verb] of [
  ['member-join', 'joined'],
  ['member-leave', 'left'],
  ['member-failed', 'failed'],
] as const) {
  node.on(event, (e) => {
    if (e.member.name !== node.name) console.log(`${node.name}: ${e.member.name} ${verb}`);
  });
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.close();
  await node.leave();
  await node.close();
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
