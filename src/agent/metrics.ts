/**
 * The core's `Metrics` interface (src/swim/logger.ts) bound to prom-client, served by the agent at
 * GET /metrics. The core names its metrics after memberlist's and Serf's (`memberlist_msg_alive`,
 * `serf_member_join`…); each name becomes a prom-client counter, gauge or summary the first time it
 * is used, with the label names of that first call. prom-client lives only here: the library never
 * depends on it.
 *
 * Every agent owns its own `Registry` (no global registry), so two agents in one process (tests)
 * never share a metric.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry, Summary } from 'prom-client';
import type { Metrics } from '../swim/logger.js';

type Kind = 'counter' | 'gauge' | 'summary';

/** A prom-client registry plus the `Metrics` sink that fills it. */
export interface PromMetrics {
  readonly registry: Registry;
  readonly metrics: Metrics;
}

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

/**
 * Creates a registry with Node's process metrics (CPU, RSS, event-loop lag) under the
 * `gossip_peer_` prefix and a `Metrics` sink writing to it. A name first used as one kind and
 * later as another, or with different labels, is counted in `gossip_peer_metrics_dropped` instead
 * of throwing into the protocol core.
 */
export function createPromMetrics(): PromMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gossip_peer_' });
  const dropped = new Counter({
    name: 'gossip_peer_metrics_dropped',
    help: 'Metric updates that did not fit the metric first registered under that name',
    registers: [registry],
  });
  const made = new Map<string, { kind: Kind; metric: Counter | Gauge | Summary }>();

  const get = (kind: Kind, rawName: string, labels: Record<string, string>): Counter | Gauge | Summary => {
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
        ? new Counter(conf)
        : kind === 'gauge'
          ? new Gauge(conf)
          : new Summary({ ...conf, percentiles: [0.5, 0.9, 0.99], maxAgeSeconds: 600, ageBuckets: 5 });
    made.set(name, { kind, metric });
    return metric;
  };

  const guarded =
    (kind: Kind, apply: (m: Counter | Gauge | Summary, v: number, l: Record<string, string>) => void) =>
    (name: string, value: number, labels?: Record<string, string>): void => {
      try {
        const l = promLabels(labels);
        apply(get(kind, name, l), value, l);
      } catch {
        dropped.inc();
      }
    };

  const metrics: Metrics = {
    incr: (name, value = 1, labels) =>
      guarded('counter', (m, v, l) => (m as Counter).inc(l, v))(name, value, labels),
    gauge: guarded('gauge', (m, v, l) => (m as Gauge).set(l, v)),
    observe: guarded('summary', (m, v, l) => (m as Summary).observe(l, v)),
  };
  return { registry, metrics };
}
