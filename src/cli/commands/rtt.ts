/**
 * `gossip-peer rtt NODE [NODE] [--http IP:PORT]`: the round trip between two nodes estimated from
 * their network coordinates, printed as `serf rtt` prints it (serf: cmd/serf/command/rtt.go):
 * `Estimated a <-> b rtt: 1.234 ms`. The second node defaults to the agent's own. Like serf, the
 * client fetches both coordinates (GET /v1/coordinates) and computes the distance itself; a node
 * without a coordinate is `Could not find a coordinate for node "x"` and exit code 1.
 */
import type { Command } from 'commander';
import { distanceSeconds, type Coordinate } from '../../cluster/coordinates/coordinate.js';
import { CliError } from '../errors.js';
import { get } from './client-call.js';
import type { CliCommand } from './index.js';

interface CoordinatesAnswer {
  coordinates?: { node: string; coord: Coordinate }[];
}

async function coordinateOf(http: string | undefined, node: string): Promise<Coordinate> {
  const a = (await get('rtt', http, `/v1/coordinates?node=${encodeURIComponent(node)}`)) as CoordinatesAnswer;
  const c = a.coordinates?.find((x) => x.node === node)?.coord;
  if (c === undefined || !Array.isArray(c.vec)) {
    throw new CliError(`Could not find a coordinate for node ${JSON.stringify(node)}`, 1);
  }
  return c;
}

async function runRtt(nodes: string[], o: { http?: string }): Promise<number> {
  if (nodes.length < 1 || nodes.length > 2)
    throw new CliError('rtt: one or two node names must be specified', 2);
  if (nodes.length === 1) {
    const self = (await get('rtt', o.http, '/v1/self')) as { member?: { name?: string } };
    const name = self.member?.name;
    if (typeof name !== 'string') throw new CliError('rtt: the agent did not say its name', 1);
    nodes.push(name);
  }
  const [a, b] = nodes as [string, string];
  const ca = await coordinateOf(o.http, a);
  const cb = await coordinateOf(o.http, b);
  if (ca.vec.length !== cb.vec.length) throw new CliError('rtt: coordinate dimensionality does not match', 1);
  const ms = distanceSeconds(ca, cb) * 1000;
  process.stdout.write(`Estimated ${a} <-> ${b} rtt: ${ms.toFixed(3)} ms\n`);
  return 0;
}

export const rttCommand: CliCommand = {
  register(program: Command) {
    program
      .command('rtt')
      .description('estimated round trip between two nodes from their network coordinates')
      .argument('<node>', 'a node name')
      .argument('[node2]', "another node name (default: the agent's own)")
      .option('--http <ip:port>', "the agent's HTTP API (default $GOSSIP_PEER_HTTP_ADDR or 127.0.0.1:7374)")
      .action(async (a: string, b: string | undefined, o: { http?: string }) => {
        process.exitCode = await runRtt(b === undefined ? [a] : [a, b], o);
      });
  },
};
