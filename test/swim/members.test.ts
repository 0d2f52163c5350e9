import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Interner } from '../../src/swim/interner.js';
import { ALIVE, DEAD, MemberTable } from '../../src/swim/members.js';
import { SeededRandom } from '../../src/core/random.js';

const V = [1, 5, 2, 2, 5, 5] as const;

function addMember(t: MemberTable, it: Interner, name: string, port: number, offset: number) {
  const id = it.retainName(name);
  t.add(
    id,
    ALIVE,
    1,
    0,
    it.retainAddr(new Uint8Array([127, 0, 0, 1]), port),
    it.retainMeta(new Uint8Array([0xff, 0x80])),
    V,
    offset,
  );
  return id;
}

test('two tables sharing an interner share ids but not membership, and forgetting frees ids', () => {
  const it = new Interner();
  const a = new MemberTable(it);
  const b = new MemberTable(it);
  const x = addMember(a, it, 'x', 1, 0);
  assert.equal(a.has(x), true);
  assert.equal(b.has(x), false, 'knowing is per table');
  const x2 = addMember(b, it, 'x', 1, 0);
  assert.equal(x2, x, 'same name, same id');
  assert.equal(it.stats().metas, 1, 'one meta blob stored once');
  assert.equal(it.refCounts('name', x), 2);
  a.state[x] = DEAD;
  assert.equal(
    a.compact((id) => a.state[id] === DEAD),
    1,
  );
  assert.equal(a.has(x), false);
  assert.equal(it.refCounts('name', x), 1);
  b.compact(() => true);
  assert.deepEqual(it.stats(), { names: 0, addrs: 0, metas: 0 });
  assert.equal(it.lookupName('x'), -1);
});

test('the probe list holds every member once; inserting at an offset swaps; shuffling permutes', () => {
  const it = new Interner();
  const t = new MemberTable(it);
  const r = new SeededRandom(1);
  const ids: number[] = [];
  for (let i = 0; i < 50; i++) ids.push(addMember(t, it, `n${i}`, 1000 + i, i === 0 ? 0 : r.int(i)));
  const list = () => Array.from(t.order.subarray(0, t.count));
  assert.deepEqual(
    [...list()].sort((p, q) => p - q),
    [...ids].sort((p, q) => p - q),
  );
  const before = list();
  t.shuffle((n) => r.int(n));
  assert.notDeepEqual(list(), before);
  assert.deepEqual(
    [...list()].sort((p, q) => p - q),
    [...ids].sort((p, q) => p - q),
  );
  assert.equal(t.vsnOf(ids[3] as number).join(','), V.join(','));
});

test('a fully known table of 2,000 members costs at most 40 bytes per member', () => {
  const it = new Interner();
  const t = new MemberTable(it);
  for (let i = 0; i < 2000; i++) addMember(t, it, `node-${i}`, i, 0);
  const perMember = t.byteSize() / 2000;
  assert.ok(perMember <= 40, `bytes per member: ${perMember}`);
});
