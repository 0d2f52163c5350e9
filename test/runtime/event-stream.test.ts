import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventStream } from '../../src/runtime/event-stream.js';

test('a consumer that falls behind keeps the newest events, and the drops are counted', async () => {
  const drops: number[] = [];
  let ended = 0;
  const { sink, iterable } = createEventStream<number>(
    { maxBuffered: 10 },
    (n) => drops.push(n),
    () => ended++,
  );
  for (let i = 0; i < 25; i++) sink.push(i);
  const got: number[] = [];
  for (let i = 0; i < 10; i++) got.push((await iterable.next()).value as number);
  assert.deepEqual(got, [15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  assert.equal(drops.at(-1), 15);
  // end() discards what is still buffered (a closed node's backlog is not delivered).
  sink.push(99);
  sink.end();
  assert.deepEqual(await iterable.next(), { value: undefined, done: true });
  assert.equal(ended, 1);
});

test('buffered events are delivered in order, a waiting consumer is woken, and abort ends the stream', async () => {
  const ac = new AbortController();
  const { sink, iterable } = createEventStream<string>(
    { signal: ac.signal, maxBuffered: 100 },
    () => {},
    () => {},
  );
  sink.push('a');
  sink.push('b');
  assert.deepEqual(await iterable.next(), { value: 'a', done: false });
  assert.deepEqual(await iterable.next(), { value: 'b', done: false });
  const waiting = iterable.next();
  sink.push('c');
  assert.deepEqual(await waiting, { value: 'c', done: false });
  const pending = iterable.next();
  ac.abort();
  assert.deepEqual(await pending, { value: undefined, done: true });
  sink.push('late');
  assert.deepEqual(await iterable.next(), { value: undefined, done: true });
});

test('breaking out of for-await ends the stream and calls its end hook once', async () => {
  let ended = 0;
  const { sink, iterable } = createEventStream<number>(
    {},
    () => {},
    () => ended++,
  );
  sink.push(1);
  sink.push(2);
  for await (const v of iterable) {
    assert.equal(v, 1);
    break;
  }
  assert.equal(ended, 1);
  sink.push(3);
  assert.deepEqual(await iterable.next(), { value: undefined, done: true });
});
