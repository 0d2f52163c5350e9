/**
 * A node on real sockets built by the one assembly (`buildStack`, as `createNode` does) with
 * services attached — for tests of the service seam before the public API exposes services. It is
 * driven by the runtime's own `Driver` over the runtime's own transport; only `createNode`'s
 * conveniences (events API, rejoin, snapshot files) are missing.
 */
import type { SerfEvent } from '../../src/cluster/events.js';
import type { Serf } from '../../src/cluster/serf.js';
import type { AnyService } from '../../src/cluster/service-host.js';
import type { Address } from '../../src/core/io.js';
import { noopLogger } from '../../src/core/logger.js';
import { Driver } from '../../src/runtime/driver.js';
import { CryptoRandom } from '../../src/runtime/random.js';
import { buildStack, resolveStackConfig } from '../../src/runtime/stack.js';
import { realClock } from '../../src/transport/clock.js';
import { openNetTransport, type Transport } from '../../src/transport/net.js';
import { newStreamFramer } from '../../src/wire/stream.js';
import { waitUntil } from './wait.js';

/** A running stack node. */
export interface StackNode {
  readonly name: string;
  readonly address: Address;
  readonly core: Serf;
  /** Every event the core emitted so far. */
  readonly events: SerfEvent[];
  /** Run a command on the core now (outputs are sent, the timer re-armed). */
  run<T>(command: (core: Serf, now: number) => T): T;
  /** Join through `seeds` and wait for the result (rejects when no seed answered). */
  join(seeds: readonly Address[]): Promise<void>;
  close(): Promise<void>;
}

/** Start a node on 127.0.0.1 (fresh port) running `services`. */
export async function startStackNode(o: {
  readonly name: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly services: readonly AnyService[];
}): Promise<StackNode> {
  const config = resolveStackConfig({ profile: 'lan' });
  const clock = realClock();
  const events: SerfEvent[] = [];
  const box: { driver?: Driver<SerfEvent> } = {};
  const transport: Transport = await openNetTransport(
    {
      bind: { ip: '127.0.0.1', port: 0 },
      newFramer: newStreamFramer,
      tcpTimeoutMs: config.swim.tcpTimeoutMs,
    },
    {
      onPacket: (from, bytes) => box.driver?.handlers.onPacket(from, bytes),
      onStream: (from, req) => (box.driver ? box.driver.handlers.onStream(from, req) : null),
      onError: (err) => box.driver?.handlers.onError(err),
    },
  );
  const core = buildStack({
    name: o.name,
    advertise: transport.address,
    tags: o.tags ?? {},
    keys: [],
    config,
    now: clock.now(),
    random: new CryptoRandom(),
    logger: noopLogger,
    services: o.services,
  }).core;
  const d = new Driver<SerfEvent>({ core, clock, onEvent: (e) => events.push(e) });
  box.driver = d;
  d.start(transport);
  return {
    name: o.name,
    address: transport.address,
    core,
    events,
    run: (command) => d.run((now) => command(core, now)),
    async join(seeds) {
      const id = d.run((now) => core.join(now, seeds));
      const r = await waitUntil(
        `${o.name}'s join`,
        () => events.find((e) => e.type === 'join-result' && e.requestId === id),
        20_000,
      );
      if (r.type === 'join-result' && r.contacted === 0) throw new Error(`${o.name} could not join`);
    },
    async close() {
      d.stop();
      await transport.close();
    },
  };
}
