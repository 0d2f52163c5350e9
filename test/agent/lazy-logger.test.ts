import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DestinationStream } from 'pino';
import { lazyPino } from '../../src/agent/lazy-logger.js';
import type { LogLevel } from '../../src/agent/config.js';

function capture(level: LogLevel): {
  lines: () => Record<string, unknown>[];
  log: ReturnType<typeof lazyPino>;
} {
  const out: string[] = [];
  const destination = { write: (s: string) => out.push(s) } as unknown as DestinationStream;
  const log = lazyPino({ level, destination, base: { pid: 42 } });
  return {
    lines: () =>
      out
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    log,
  };
}

test('lines below the level are dropped; at or above it pino writes JSON with the base, time and message', () => {
  const { lines, log } = capture('warn');
  log.debug({ a: 1 }, 'hidden');
  log.info('hidden too');
  assert.deepEqual(lines(), []);
  log.warn({ seeds: ['x'] }, 'shown');
  log.error('also shown');
  const [w, e] = lines();
  assert.equal(w?.level, 40);
  assert.equal(w?.msg, 'shown');
  assert.deepEqual(w?.seeds, ['x']);
  assert.equal(w?.pid, 42);
  assert.match(String(w?.time), /^\d{4}-\d\d-\d\dT/);
  assert.equal(e?.level, 50);
  assert.equal(e?.msg, 'also shown');
});

test('children made before the first line keep their bindings, nested', () => {
  const { lines, log } = capture('info');
  const child = log.child({ node: 'a' });
  const grandchild = child.child({ part: 'http' });
  grandchild.info({ n: 1 }, 'from the grandchild');
  child.debug('below the level');
  child.warn('from the child');
  log.info('from the root');
  const got = lines().map((l) => ({ msg: l.msg, node: l.node, part: l.part }));
  assert.deepEqual(got, [
    { msg: 'from the grandchild', node: 'a', part: 'http' },
    { msg: 'from the child', node: 'a', part: undefined },
    { msg: 'from the root', node: undefined, part: undefined },
  ]);
});

test('silent writes nothing, not even fatal', () => {
  const { lines, log } = capture('silent');
  log.fatal('nothing');
  log.child({ x: 1 }).error('nothing either');
  assert.deepEqual(lines(), []);
});
