import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPromMetrics } from '../../src/agent/metrics.js';

test("the core's counters, gauges and observations appear in the Prometheus text under their names", async () => {
  const { registry, metrics } = createPromMetrics();
  metrics.incr('memberlist_msg_alive');
  metrics.incr('memberlist_msg_alive', 2);
  metrics.gauge('memberlist_health_score', 3);
  metrics.observe('memberlist_gossip', 12.5, { kind: 'udp' });
  const text = await (await registry()).metrics();
  assert.match(text, /^memberlist_msg_alive 3$/m);
  assert.match(text, /^memberlist_health_score 3$/m);
  assert.match(text, /^memberlist_gossip_count\{kind="udp"\} 1$/m);
  assert.match(text, /^gossip_peer_process_cpu_seconds_total /m);
});

test('a name reused as another kind or with other labels is counted as dropped, never thrown', async () => {
  const { registry, metrics } = createPromMetrics();
  metrics.incr('serf_events');
  assert.doesNotThrow(() => metrics.gauge('serf_events', 1));
  assert.doesNotThrow(() => metrics.incr('serf_events', 1, { extra: 'label' }));
  metrics.incr('bad-name.with/chars');
  const text = await (await registry()).metrics();
  assert.match(text, /^gossip_peer_metrics_dropped 2$/m);
  assert.match(text, /^serf_events 1$/m);
  assert.match(text, /^bad_name_with_chars 1$/m);
});

test('two registries never share a metric', async () => {
  const a = createPromMetrics();
  const b = createPromMetrics();
  a.metrics.incr('memberlist_tcp_accept', 5);
  assert.match(await (await a.registry()).metrics(), /^memberlist_tcp_accept 5$/m);
  assert.doesNotMatch(await (await b.registry()).metrics(), /memberlist_tcp_accept/);
});

test('values recorded before the first scrape and after it add up; onLoad runs once', async () => {
  let loads = 0;
  const { registry, metrics } = createPromMetrics({ onLoad: () => loads++ });
  metrics.incr('memberlist_msg_dead', 2, { kind: 'x' });
  metrics.gauge('memberlist_health_score', 5);
  metrics.gauge('memberlist_health_score', 1);
  metrics.observe('serf_query_ms', 4);
  metrics.incr('serf_counter', -1);
  const [r1, r2] = await Promise.all([registry(), registry()]);
  assert.equal(r1, r2);
  metrics.incr('memberlist_msg_dead', 3, { kind: 'x' });
  metrics.observe('serf_query_ms', 8);
  const text = await (await registry()).metrics();
  assert.equal(loads, 1);
  assert.match(text, /^memberlist_msg_dead\{kind="x"\} 5$/m);
  assert.match(text, /^memberlist_health_score 1$/m);
  assert.match(text, /^serf_query_ms_count 2$/m);
  assert.match(text, /^serf_query_ms_sum 12$/m);
  assert.match(text, /^gossip_peer_metrics_dropped 1$/m);
});
