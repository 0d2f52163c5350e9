/**
 * The balancing strategies on their own (pure): shares, reaction to load and distance, key
 * affinity and how many keys move when the membership changes.
 * Seen failing on a broken build: with `twoChoices` returning the first draw regardless of load,
 * the least-loaded test fails; with the rendezvous score made from the name alone, the hash tests
 * fail (every key goes to one member).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../src/core/random.js';
import { Balancer } from '../../src/balance/balancer.js';
import { createStrategy, type Candidate, type PickContext } from '../../src/balance/strategies.js';
import { hash53 } from '../../src/balance/hash.js';
import { ConfigError, NoCandidateError } from '../../src/wire/errors.js';

function members(n: number, from = 0): Candidate[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `m${String(i + from).padStart(2, '0')}`,
    addr: { ip: '127.0.0.1', port: 7000 + i + from },
    tags: { service: 'api' },
  }));
}

function ctx(random = new SeededRandom(1), extra: Partial<PickContext> = {}): PickContext {
  return { random, loadOf: () => 0, rttOf: () => undefined, ...extra };
}

function counts(picks: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of picks) m.set(p, (m.get(p) ?? 0) + 1);
  return m;
}

test('round-robin gives every member the same share and keeps its place when members change', () => {
  const s = createStrategy('round-robin');
  const c = members(4);
  const c0 = ctx();
  assert.deepEqual(
    Array.from({ length: 8 }, () => s.pick(c, c0).name),
    ['m00', 'm01', 'm02', 'm03', 'm00', 'm01', 'm02', 'm03'],
  );
  // m01 picked last... now m02 leaves and m05 joins: the cycle goes on after m01 as before.
  s.pick(c, c0); // m00
  s.pick(c, c0); // m01
  const changed = [...members(2), ...members(1, 3), ...members(1, 5)];
  assert.deepEqual(
    Array.from({ length: 4 }, () => s.pick(changed, c0).name),
    ['m03', 'm05', 'm00', 'm01'],
  );
});

test('random picks spread evenly: over 16 000 picks among 16 members, max/mean below 1.1', () => {
  const s = createStrategy('random');
  const c = members(16);
  const c0 = ctx(new SeededRandom(7));
  const got = counts(Array.from({ length: 16_000 }, () => s.pick(c, c0).name));
  assert.equal(got.size, 16);
  assert.ok(Math.max(...got.values()) / 1000 < 1.1, JSON.stringify([...got]));
});

test('least-loaded never picks the more loaded of its two draws, and steers work off a busy member', () => {
  const s = createStrategy('least-loaded');
  const c = members(8);
  const load = (n: string): number => (n === 'm03' ? 100 : 1);
  const c0 = ctx(new SeededRandom(3), { loadOf: load });
  const got = counts(Array.from({ length: 8000 }, () => s.pick(c, c0).name));
  // m03 wins only when drawn against... nobody: two distinct draws, so never.
  assert.equal(got.get('m03') ?? 0, 0);
  // With one candidate there is nothing to compare.
  assert.equal(s.pick(members(1), c0).name, 'm00');
});

test('nearest picks among the members within the spread of the best estimate, and shares among them', () => {
  const s = createStrategy('nearest', { spread: 0.5, slackSeconds: 0.001 });
  const c = members(6);
  const rtt: Record<string, number> = { m00: 0.01, m01: 0.011, m02: 0.0149, m03: 0.02, m04: 0.05 }; // m05 unknown
  const c0 = ctx(new SeededRandom(5), { rttOf: (n) => rtt[n] });
  const got = counts(Array.from({ length: 3000 }, () => s.pick(c, c0).name));
  // Window: 10 ms × 1.5 + 1 ms = 16 ms → m00, m01, m02, each a fair share.
  assert.deepEqual([...got.keys()].sort(), ['m00', 'm01', 'm02']);
  for (const v of got.values()) assert.ok(v > 700, JSON.stringify([...got]));
  // Without any coordinate, every member counts.
  const bare = ctx(new SeededRandom(6));
  const none = counts(Array.from({ length: 600 }, () => s.pick(c, bare).name));
  assert.equal(none.size, 6);
});

test('hash sends a key to the same member every time, and keys spread over all members', () => {
  const s = createStrategy('hash');
  const c = members(16);
  const c0 = ctx();
  const owner = (k: string, list = c): string => s.pick(list, { ...c0, key: k }).name;
  for (let i = 0; i < 100; i++) assert.equal(owner(`user-${i}`), owner(`user-${i}`));
  const got = counts(Array.from({ length: 16_000 }, (_, i) => owner(`user-${i}`)));
  assert.equal(got.size, 16);
  assert.ok(Math.max(...got.values()) / 1000 < 1.15, JSON.stringify([...got]));
  assert.throws(() => s.pick(c, c0), ConfigError, 'no key');
});

test('hash: when a 17th member joins about 1/17 of 10 000 keys move, all to it; when one leaves only its keys move', () => {
  const s = createStrategy('hash');
  const c16 = members(16);
  const c17 = members(17);
  const c15 = c16.filter((m) => m.name !== 'm07');
  const c0 = ctx();
  const keys = Array.from({ length: 10_000 }, (_, i) => `key-${i}`);
  const before = keys.map((k) => s.pick(c16, { ...c0, key: k }).name);
  const joined = keys.map((k) => s.pick(c17, { ...c0, key: k }).name);
  const left = keys.map((k) => s.pick(c15, { ...c0, key: k }).name);
  const movedOnJoin = keys.filter((_, i) => before[i] !== joined[i]);
  assert.ok(
    keys.every((_, i) => before[i] === joined[i] || joined[i] === 'm16'),
    'a key moved to an old member',
  );
  const share = movedOnJoin.length / keys.length;
  assert.ok(share > 0.5 / 17 && share < 1.5 / 17, `moved on join: ${share}`);
  const movedOnLeave = keys.filter((_, i) => before[i] !== left[i]);
  assert.ok(
    movedOnLeave.every((k) => before[keys.indexOf(k)] === 'm07'),
    'a key not owned by the leaver moved',
  );
  assert.equal(movedOnLeave.length, before.filter((n) => n === 'm07').length);
});

test('hash53 is the same on every call and spreads nearby strings', () => {
  assert.equal(hash53('a'), hash53('a'));
  assert.notEqual(hash53('a'), hash53('b'));
  assert.ok(hash53('key-1') < 2 ** 53 && hash53('key-1') >= 0);
  // The top bit is set for about half of the strings.
  let top = 0;
  for (let i = 0; i < 4000; i++) if (hash53(`k${i}`) >= 2 ** 52) top++;
  assert.ok(top > 1800 && top < 2200, String(top));
});

test('an unknown strategy is a ConfigError naming the valid ones', () => {
  assert.throws(
    () => createStrategy('fastest'),
    (e: unknown) => e instanceof ConfigError && /round-robin/.test(e.message),
  );
});

test('a balancer with no candidate throws NoCandidateError and changes nothing; in-flight counts follow pick/release', () => {
  const b = new Balancer({ strategy: 'least-loaded', random: new SeededRandom(1), describe: 'service=api' });
  assert.throws(
    () => b.pick(0),
    (e: unknown) => e instanceof NoCandidateError && /service=api/.test(e.message),
  );
  assert.equal(b.totalInFlight(), 0);
  b.setCandidates(members(2));
  const a = b.pick(0).name;
  const c = b.pick(0).name;
  assert.notEqual(a, c, 'the second pick avoids the member with one in flight');
  b.release(a);
  b.release(a); // an extra release is ignored
  assert.equal(b.inFlightTo(a), 0);
  assert.equal(b.totalInFlight(), 1);
});

test('published load counts while fresh and is ignored once older than maxLoadAgeMs', () => {
  const b = new Balancer({ strategy: 'least-loaded', random: new SeededRandom(1), maxLoadAgeMs: 5000 });
  b.setCandidates(members(2));
  b.setPublishedLoad('m00', 50, 1000);
  const early = counts(Array.from({ length: 50 }, () => b.pick(2000).name)).get('m00') ?? 0;
  assert.equal(early, 0, 'm00 published a high load: avoided while fresh');
  // m01 now has 50 of ours in flight. After 5 s m00's figure is stale: m00 counts only our own
  // in-flight (0) and wins every pick again.
  assert.equal(b.inFlightTo('m01'), 50);
  assert.equal(b.pick(7001).name, 'm00');
});

test('a pick never returns an excluded member, and excluding every one is NoCandidateError', () => {
  const b = new Balancer({ strategy: 'least-loaded', random: new SeededRandom(4) });
  b.setCandidates(members(3));
  const exclude = new Set(['m00', 'm02']);
  for (let i = 0; i < 50; i++) assert.equal(b.pick(0, undefined, exclude).name, 'm01');
  assert.throws(() => b.pick(0, undefined, new Set(['m00', 'm01', 'm02'])), NoCandidateError);
  assert.equal(b.inFlightTo('m01'), 50);
});
