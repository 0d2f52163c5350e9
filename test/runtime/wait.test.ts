import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { abortableDelay, abortableWait } from '../../src/runtime/wait.js';
import { GossipError } from '../../src/wire/errors.js';

const aborted = (what: string) => (e: unknown) =>
  e instanceof GossipError && e.code === 'GP_ERR_ABORTED' && e.message === `${what} aborted`;

test('a wait resolves with what it settles with and leaves no listener behind', async () => {
  const a = new AbortController();
  let cleaned = 0;
  const p = abortableWait<number>('op', [a.signal, undefined], (settle) => {
    setImmediate(() => settle(42));
    return () => cleaned++;
  });
  assert.equal(getEventListeners(a.signal, 'abort').length, 1);
  assert.equal(await p, 42);
  assert.equal(getEventListeners(a.signal, 'abort').length, 0);
  assert.equal(cleaned, 0, 'the waiter removed itself by settling');
});

test('an abort from any signal rejects with GP_ERR_ABORTED, unregisters the waiter and ignores a late settle', async () => {
  const mine = new AbortController();
  const node = new AbortController();
  let settleLater: ((v: string) => void) | undefined;
  let cleaned = 0;
  const p = abortableWait<string>('leave', [mine.signal, node.signal], (settle) => {
    settleLater = settle;
    return () => cleaned++;
  });
  node.abort();
  await assert.rejects(p, aborted('leave'));
  assert.equal(cleaned, 1);
  assert.equal(getEventListeners(mine.signal, 'abort').length, 0, 'the other signal is let go too');
  settleLater?.('late');
  mine.abort();
  assert.equal(cleaned, 1);
});

test('an already aborted signal rejects before anything starts', async () => {
  let started = false;
  await assert.rejects(
    abortableWait('join', [AbortSignal.abort()], () => {
      started = true;
      return () => {};
    }),
    aborted('join'),
  );
  assert.equal(started, false);
});

test('a start that throws rejects with its error and detaches', async () => {
  const a = new AbortController();
  const boom = new GossipError('GP_ERR_STATE', 'closed');
  await assert.rejects(
    abortableWait('install-key', [a.signal], () => {
      throw boom;
    }),
    (e) => e === boom,
  );
  assert.equal(getEventListeners(a.signal, 'abort').length, 0);
});

test('an aborted delay clears its timer (the process is not held open) and rejects', async () => {
  const a = new AbortController();
  const p = abortableDelay('join', 3_600_000, [a.signal]);
  a.abort();
  await assert.rejects(p, aborted('join'));
  assert.equal(await abortableDelay('join', 1, [a.signal]).catch(() => 'aborted'), 'aborted');
  await abortableDelay('join', 1, [undefined]);
});
