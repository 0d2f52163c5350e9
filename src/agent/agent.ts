/**
 * The long-running agent (`gossip-peer agent`): one node (`createNode`) plus
 *
 * - an event printer on stdout (`--events json|text|none`), each event printed synchronously when
 *   the node delivers it (no batching), the node's own `member-join` first, as serf;
 * - the HTTP API (./http.ts, ./routes.ts) for the client subcommands, bound before the node starts
 *   so a port clash is reported before we ever gossip;
 * - Serf-compatible event handler scripts (./event-handlers.ts);
 * - metrics through prom-client (./metrics.ts, loaded on the first scrape) at GET /metrics;
 * - recovery: `--retry-join` seeds tried in the background until one answers, and createNode's
 *   rejoin loop (../runtime/rejoin.ts) over all seeds whenever the node finds itself alone;
 * - `--snapshot PATH`: members and clocks persisted (serf's format), so a restart rejoins them;
 * - SIGINT/SIGTERM (and POST /v1/leave): graceful leave, then exit 0; a second signal stops at once.
 *
 * Logs (pino, JSON) go to stderr at `--log-level`; pino loads with the first line written
 * (./lazy-logger.ts).
 */
import type { DestinationStream } from 'pino';
import type { Registry } from 'prom-client';
import { createNode } from '../runtime/create-node.js';
import type { NodeEvent } from '../runtime/events.js';
import type { GossipNode } from '../runtime/node.js';
import { formatAddress } from '../core/io.js';
import { formatSeed } from '../core/seeds.js';
import type { Logger } from '../core/logger.js';
import type { AgentConfig } from './config.js';
import { parseEventScript, ScriptEventHandler } from './event-handlers.js';
import { formatEventJson, formatEventText } from './event-format.js';
import { ApiError, startHttpApi, type HttpApi } from './http.js';
import { lazyPino } from './lazy-logger.js';
import { createPromMetrics, type PromClient } from './metrics.js';
import { agentRoutes, type AgentApiContext } from './routes.js';

/** Where the agent writes and which process signals it obeys (the real process by default). */
export interface AgentIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  /** Emits `SIGINT` / `SIGTERM`. */
  readonly signals: Pick<NodeJS.Process, 'on' | 'off'>;
}

/** A started agent. */
export interface RunningAgent {
  readonly node: GossipNode;
  /** The HTTP API, when enabled. */
  readonly http: HttpApi | undefined;
  /** Resolves with the exit code once the agent has stopped (after a leave, a signal, or a shutdown). */
  readonly done: Promise<number>;
  /** Graceful leave then stop (as SIGTERM does); resolves with the exit code. */
  stop(): Promise<number>;
}

/** Leave is bounded so a wedged network cannot keep a stopping agent alive forever. */
const LEAVE_LIMIT_MS = 30_000;
const EVENT_TYPES = [
  'member-join',
  'member-update',
  'member-leave',
  'member-failed',
  'member-reap',
  'user',
  'query',
] as const;

const processIo: AgentIo = { stdout: process.stdout, stderr: process.stderr, signals: process };

/**
 * Starts an agent from a validated config. Rejects (nothing left running) with a `GossipError`
 * when the HTTP or gossip address cannot be bound, an option is invalid, or no `--join` seed
 * answered.
 */
export async function startAgent(config: AgentConfig, io: AgentIo = processIo): Promise<RunningAgent> {
  const logger: Logger = lazyPino({
    level: config.logLevel,
    base: { pid: process.pid },
    destination: io.stderr as unknown as DestinationStream,
  });
  let node: GossipNode | undefined;
  const prom = createPromMetrics({ onLoad: (client, registry) => memberGauge(client, registry, () => node) });
  const ctx: AgentApiContext = {
    get node(): GossipNode {
      if (node === undefined) throw new ApiError(503, 'GP_ERR_STATE', 'the agent is starting');
      return node;
    },
    registry: prom.registry,
    detector: config.detector,
    balancers: new Map(),
    leave: () => {
      if (node === undefined) throw new ApiError(503, 'GP_ERR_STATE', 'the agent is starting');
      return leaveFromApi();
    },
  };

  let http: HttpApi | undefined;
  if (config.http !== null) {
    http = await startHttpApi({ bind: config.http, routes: agentRoutes, ctx, logger });
  }
  try {
    node = await createNode({
      ...(config.node !== undefined ? { name: config.node } : {}),
      bind: config.bind,
      ...(config.advertise !== undefined ? { advertise: config.advertise } : {}),
      join: config.join,
      tags: config.tags,
      ...(config.encrypt !== undefined ? { encryptKey: config.encrypt } : {}),
      profile: config.profile,
      swim: { detector: config.detector },
      ...(config.snapshot !== undefined ? { snapshotPath: config.snapshot } : {}),
      rejoin: config.rejoin ? { seeds: [...config.join, ...config.retryJoin] } : false,
      logger,
      metrics: prom.metrics,
    });
  } catch (err) {
    await http?.close();
    throw err;
  }
  const n = node;

  // Printing first: listeners attached before createNode's held-back events (own join first) flow.
  const format =
    config.events === 'json' ? formatEventJson : config.events === 'text' ? formatEventText : undefined;
  const print = (e: NodeEvent): void => {
    const line = format?.(n.name, e);
    if (line !== undefined) io.stdout.write(line);
  };
  for (const t of EVENT_TYPES) n.on(t, print);
  n.on('transport-error', (e) => logger.debug({ err: e.error }, 'transport error'));

  // Serf-style event handler scripts.
  if (config.eventHandlers.length > 0) {
    const scripts = config.eventHandlers.flatMap(parseEventScript);
    const handler = new ScriptEventHandler(scripts, { self: () => n.localMember() }, logger);
    for (const t of EVENT_TYPES) n.on(t, (e: NodeEvent) => handler.handle(e));
  }

  // Recovery when alone is createNode's `rejoin` (../runtime/rejoin.ts); --retry-join is here.
  if (config.retryJoin.length > 0) {
    let warned = false;
    n.join(config.retryJoin, {
      attempts: Infinity,
      onRetry: ({ errors }) => {
        if (warned) return;
        warned = true;
        logger.warn(
          { seeds: config.retryJoin.map(formatSeed), errors },
          'cannot reach any --retry-join seed yet; retrying',
        );
      },
    }).then(
      (contacted) => logger.info({ contacted }, 'joined through --retry-join'),
      () => {}, // only the node closing ends the retries
    );
  }

  // Stopping.
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  let stopping: Promise<number> | undefined;
  let leaving: Promise<void> | undefined;

  const leave = (): Promise<void> =>
    (leaving ??= (async () => {
      try {
        await n.leave({ signal: AbortSignal.timeout(LEAVE_LIMIT_MS) });
      } catch (err) {
        logger.warn({ err }, 'graceful leave did not complete; stopping anyway');
      }
    })());

  const finish = async (code: number): Promise<number> => {
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
    await n.close();
    await http?.close();
    resolveDone(code);
    return code;
  };

  const stop = (): Promise<number> =>
    (stopping ??= (async () => {
      await leave();
      return finish(0);
    })());

  async function leaveFromApi(): Promise<void> {
    await leave();
    // Answer the client first, then stop.
    setImmediate(() => void stop());
  }

  let signals = 0;
  function onSignal(sig: NodeJS.Signals): void {
    signals++;
    if (signals === 1) {
      logger.info({ signal: sig }, 'leaving gracefully (again to stop at once)');
      void stop();
    } else {
      void finish(1);
    }
  }
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  n.on('shutdown', (e) => {
    logger.error({ reason: e.reason }, 'the node shut itself down');
    void finish(1);
  });

  logger.info(
    {
      node: n.name,
      bind: formatAddress(n.address),
      advertise: formatAddress(n.advertiseAddress),
      http: http ? formatAddress(http.address) : null,
    },
    'agent running',
  );
  return { node: n, http, done, stop };
}

/** `gossip_peer_members{status}`: the member table by status, read at scrape time. */
function memberGauge(client: PromClient, registry: Registry, node: () => GossipNode | undefined): void {
  new client.Gauge({
    name: 'gossip_peer_members',
    help: 'Members this node knows, by status (alive, leaving, left, failed)',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const counts: Record<string, number> = { alive: 0, leaving: 0, left: 0, failed: 0 };
      const n = node();
      if (n !== undefined && !n.closed)
        for (const m of n.members()) counts[m.status] = (counts[m.status] ?? 0) + 1;
      for (const [status, v] of Object.entries(counts)) this.set({ status }, v);
    },
  });
}
