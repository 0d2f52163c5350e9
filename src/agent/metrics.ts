/**
 * The core's `Metrics` interface (src/swim/logger.ts) bound to prom-client, served by the agent at
 * GET /metrics. The core names its metrics after memberlist's and Serf's (`memberlist_msg_alive`,
 * `serf_member_join`…); each name becomes a prom-client counter, gauge or summary the first time it
 * is used, with the label names of that first call. prom-client lives only here: the library never
 * depends on it.
 *
 * prom-client is loaded on the first scrape, not at start: loading it (and the OpenTelemetry API it
 * pulls in) costs about 0.1 CPU-s and several MiB per agent, and its default process metrics keep
 * an event-loop-delay timer running. Until then the sink keeps compact aggregates (a counter's sum,
 * a gauge's last value, a summary's recent observations), replayed into prom-client when it loads,
 * so the first scrape shows everything counted since start. Process metrics (CPU, RSS, event-loop
 * lag, GC) are collected from that first scrape on; CPU and memory totals are process-wide anyway.
 *
 * Every agent owns its own `Registry` (no global registry), so two agents in one process (tests)
 * never share a metric.
 */
import type * as PromClientModule from 'prom-client';
import type { Counter, Gauge, Registry, Summary } from 'prom-client';
import type { Metrics } from '../core/logger.js';

type Kind = 'counter' | 'gauge' | 'summary';
/** The prom-client module, as loaded on demand. */
export type PromClient = typeof PromClientModule;
type Metric = Counter | Gauge | Summary;

/** A registry loaded on demand plus the `Metrics` sink that fills it. */
export interface PromMetrics {
  readonly metrics: Metrics;
  /** Loads prom-client on the first call (replaying what was recorded so far); then the same registry. */
  registry(): Promise<Registry>;
}

/** Options of {@link createPromMetrics}. */
export interface PromMetricsOptions {
  /** Called once when prom-client is loaded, to register metrics of the caller's own (read at scrape time). */
  readonly onLoad?: (client: PromClient, registry: Registry) => void;
}

/** Summary window (prom-client `maxAgeSeconds`): older observations would have aged out anyway. */
const SUMMARY_MAX_AGE_S = 600;
/** Observations kept per summary series before prom-client is loaded (the newest win). */
const PENDING_OBSERVATIONS = 1024;
/**
 * Event-loop-delay sampling for the process metrics, in ms. prom-client's default (10 ms) wakes
 * the process 100 times a second, which alone costs an idle agent about 0.8 % of a core.
 */
const EVENT_LOOP_PRECISION_MS = 100;

/** Prometheus metric names allow `[a-zA-Z_:][a-zA-Z0-9_:]*`; anything else becomes `_`. */
function promName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[a-zA-Z_:]/.test(s) ? s : `_${s}`;
}

function promLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) out[promName(k).replace(/:/g, '_')] = v;
  return out;
}

/** Whether prom-client would take `value` (counter.js inc, gauge.js set, summary.js observe). */
function acceptable(kind: Kind, value: number): boolean {
  if (kind === 'gauge') return typeof value === 'number';
  if (kind === 'summary') return Number.isFinite(value);
  return !(value && !Number.isFinite(value)) && !(value < 0);
}

/** What one (kind, name, labels) series recorded before prom-client was loaded. */
interface Pending {
  readonly kind: Kind;
  readonly name: string;
  readonly labels: Record<string, string>;
  /** Calls aggregated here (each would count as one drop if the series turns out not to fit). */
  calls: number;
  /** Counter: the sum; gauge: the last value. */
  value: number;
  /** Summary: [value, wall-clock ms] of the newest observations. */
  readonly observations: [number, number][];
}

/**
 * Creates a `Metrics` sink and a registry loaded on demand, with Node's process metrics under the
 * `gossip_peer_` prefix. A name first used as one kind and later as another, or with different
 * labels, or an invalid value, is counted in `gossip_peer_metrics_dropped` instead of throwing into
 * the protocol core.
 */
export function createPromMetrics(opts: PromMetricsOptions = {}): PromMetrics {
  let loaded: { client: PromClient; registry: Registry; dropped: Counter } | undefined;
  let loading: Promise<Registry> | undefined;
  const made = new Map<string, { kind: Kind; metric: Metric }>();
  const pending = new Map<string, Pending>();
  let pendingDropped = 0;

  const get = (kind: Kind, rawName: string, labels: Record<string, string>): Metric => {
    const { client, registry } = loaded as NonNullable<typeof loaded>;
    const name = promName(rawName);
    const have = made.get(name);
    if (have !== undefined) {
      if (have.kind !== kind) throw new Error('kind mismatch');
      return have.metric;
    }
    const conf = {
      name,
      help: `${rawName} (gossip-peer core; named after memberlist/Serf)`,
      labelNames: Object.keys(labels),
      registers: [registry],
    };
    const metric =
      kind === 'counter'
        ? new client.Counter(conf)
        : kind === 'gauge'
          ? new client.Gauge(conf)
          : new client.Summary({
              ...conf,
              percentiles: [0.5, 0.9, 0.99],
              maxAgeSeconds: SUMMARY_MAX_AGE_S,
              ageBuckets: 5,
            });
    made.set(name, { kind, metric });
    return metric;
  };

  const apply = (kind: Kind, m: Metric, v: number, l: Record<string, string>): void => {
    if (kind === 'counter') (m as Counter).inc(l, v);
    else if (kind === 'gauge') (m as Gauge).set(l, v);
    else (m as Summary).observe(l, v);
  };

  /** Before prom-client: aggregate; values prom-client would refuse are dropped now. */
  const record = (kind: Kind, rawName: string, value: number, l: Record<string, string>): void => {
    if (!acceptable(kind, value)) {
      pendingDropped++;
      return;
    }
    const key = `${kind}\u0000${rawName}\u0000${JSON.stringify(l)}`;
    let p = pending.get(key);
    if (p === undefined) {
      p = { kind, name: rawName, labels: l, calls: 0, value: 0, observations: [] };
      pending.set(key, p);
    }
    p.calls++;
    if (kind === 'counter') p.value += value;
    else if (kind === 'gauge') p.value = value;
    else {
      p.observations.push([value, Date.now()]);
      if (p.observations.length > PENDING_OBSERVATIONS) p.observations.shift();
    }
  };

  const sink =
    (kind: Kind) =>
    (name: string, value: number, labels?: Record<string, string>): void => {
      let l: Record<string, string> | undefined;
      try {
        l = promLabels(labels);
        if (loaded === undefined) record(kind, name, value, l);
        else apply(kind, get(kind, name, l), value, l);
      } catch {
        if (loaded !== undefined) loaded.dropped.inc();
        else pendingDropped++;
      }
    };

  const replay = (): void => {
    const { dropped } = loaded as NonNullable<typeof loaded>;
    if (pendingDropped > 0) dropped.inc(pendingDropped);
    const oldest = Date.now() - SUMMARY_MAX_AGE_S * 1000;
    for (const p of pending.values()) {
      try {
        const m = get(p.kind, p.name, p.labels);
        if (p.kind !== 'summary') apply(p.kind, m, p.value, p.labels);
        else for (const [v, t] of p.observations) if (t >= oldest) apply(p.kind, m, v, p.labels);
      } catch {
        dropped.inc(p.calls);
      }
    }
    pending.clear();
  };

  const registry = (): Promise<Registry> =>
    (loading ??= import('prom-client').then((client) => {
      const reg = new client.Registry();
      client.collectDefaultMetrics({
        register: reg,
        prefix: 'gossip_peer_',
        eventLoopMonitoringPrecision: EVENT_LOOP_PRECISION_MS,
      });
      const dropped = new client.Counter({
        name: 'gossip_peer_metrics_dropped',
        help: 'Metric updates that did not fit the metric first registered under that name',
        registers: [reg],
      });
      loaded = { client, registry: reg, dropped };
      replay();
      opts.onLoad?.(client, reg);
      return reg;
    }));

  const incr = sink('counter');
  const metrics: Metrics = {
    incr: (name, value = 1, labels) => incr(name, value, labels),
    gauge: sink('gauge'),
    observe: sink('summary'),
  };
  return { metrics, registry };
}
