/**
 * `createNode(options)`: the one way to start a real node. Its path, in order:
 *
 * 1. `resolveNodeConfig` (./options.ts) validates every option and resolves memberlist's and
 *    Serf's tunables once (one `ConfigError` listing every problem), giving finished values;
 * 2. the UDP+TCP transport is bound (`TransportError` for a port in use);
 * 3. `buildStack` (./stack.ts) assembles Swim + Serf from those values, as the simulator does;
 * 4. the driver (./driver.ts) starts feeding sockets and one timer into the core;
 * 5. the `join` seeds are joined, and the rejoin loop (./rejoin.ts) is started.
 *
 * Nothing below step 1 validates the configuration again.
 */
import { noopLogger } from '../core/logger.js';
import type { Address } from '../core/io.js';
import type { SerfEvent } from '../cluster/events.js';
import { newStreamFramer } from '../wire/stream.js';
import { realClock } from '../transport/clock.js';
import { openNetTransport, type TransportHandlers } from '../transport/net.js';
import { Driver } from './driver.js';
import { GossipNode } from './node.js';
import { defaultNodeName, resolveNodeConfig, type NodeOptions } from './options.js';
import { CryptoRandom } from './random.js';
import { keepJoined } from './rejoin.js';
import { SnapshotPersister, readSnapshotFile } from './snapshot-file.js';
import { buildStack } from './stack.js';
import { abortedError } from './wait.js';

/**
 * Creates and starts a node: validates every option (one `ConfigError` listing every problem),
 * binds UDP+TCP (`TransportError`, code `GP_ERR_TRANSPORT`, e.g. port in use), starts the
 * protocol and, if `join` seeds are given, joins through them (retried `joinAttempts` times;
 * `GP_ERR_JOIN` when none answered). `signal` aborts the start (`GP_ERR_ABORTED`) and later closes
 * the node. Events that happen before this resolves (the node's own `member-join` first) are
 * delivered right after, so listeners attached at once see them.
 */
export async function createNode(options: NodeOptions = {}): Promise<GossipNode> {
  // The one resolution of this node's configuration; everything below uses its finished values.
  const o = resolveNodeConfig(options);
  if (o.signal?.aborted) throw abortedError('createNode');

  const logger = o.logger ?? noopLogger;
  const clock = realClock();
  const random = new CryptoRandom();

  let node: GossipNode | undefined;
  let driverHandlers: TransportHandlers | undefined;
  const handlers: TransportHandlers = {
    onPacket: (from, bytes) => driverHandlers?.onPacket(from, bytes),
    onStream: (from, req) => (driverHandlers ? driverHandlers.onStream(from, req) : null),
    onError: (err) => driverHandlers?.onError(err),
  };
  const transport = await openNetTransport(
    { bind: o.bind, newFramer: newStreamFramer, tcpTimeoutMs: o.stack.swim.tcpTimeoutMs },
    handlers,
  );
  try {
    const port = o.advertisePort ?? transport.address.port;
    const name = o.name ?? defaultNodeName(port);
    const advertise: Address = { ip: o.advertiseIp, port };
    const log = logger.child({ node: name });
    const restored =
      o.snapshotPath !== undefined
        ? readSnapshotFile(o.snapshotPath, o.stack.serf.rejoinAfterLeave)
        : undefined;
    const stack = buildStack({
      ...(restored !== undefined ? { snapshot: restored } : {}),
      recordSnapshot: o.snapshotPath !== undefined,
      name,
      advertise,
      tags: o.tags,
      keys: o.keys,
      config: o.stack,
      now: clock.now(),
      random,
      logger: log,
      ...(o.metrics ? { metrics: o.metrics } : {}),
    });
    const driver = new Driver<SerfEvent>({
      core: stack.core,
      clock,
      logger: log,
      onEvent: (e) => node?.onCoreEvent(e),
      onTransportError: (err) => node?.onTransportError(err),
    });
    const snapState = stack.core.snapshot();
    const persister =
      o.snapshotPath !== undefined && snapState !== undefined
        ? new SnapshotPersister(o.snapshotPath, snapState, log)
        : undefined;
    node = new GossipNode({
      persister,
      name,
      address: transport.address,
      advertise,
      core: stack.core,
      driver,
      transport,
      clock,
      logger: log,
    });
    driverHandlers = driver.handlers;
    driver.start(transport);
    persister?.start();
    log.info({ bind: transport.address, advertise }, 'node started');
  } catch (err) {
    await transport.close();
    throw err;
  }

  const started = node;
  const onAbort = (): void => void started.close();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  started.closedSignal.addEventListener('abort', () => o.signal?.removeEventListener('abort', onAbort), {
    once: true,
  });
  try {
    if (o.join.length > 0) {
      await started.join(o.join, {
        attempts: o.joinAttempts,
        retryIntervalMs: o.joinRetryIntervalMs,
        ...(o.signal ? { signal: o.signal } : {}),
      });
    }
  } catch (err) {
    await started.close();
    throw err;
  }
  if (o.rejoin !== false) {
    keepJoined(started, { ...o.rejoin, logger: logger.child({ node: started.name }) });
  }
  // Held-back events go out after the caller's continuation attached its listeners.
  setImmediate(() => started.releaseBacklog());
  return started;
}
