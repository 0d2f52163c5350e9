/** fast-check arbitraries for every wire message shape (memberlist and Serf). */
import fc from 'fast-check';
import type {
  Message,
  PushNodeState,
  SerfFilter,
  SerfKeyResponse,
  SerfMember,
  SerfMessage,
  SerfPushPull,
  SerfUserEventsSlot,
} from '../../src/wire/messages.js';

/** fc.record, but producing plain objects (fast-check's have a null prototype, which deepEqual tells apart). */
function rec<T extends object>(
  model: { [K in keyof T]: fc.Arbitrary<T[K]> },
  opts?: { requiredKeys: [] },
): fc.Arbitrary<T> {
  const arb = opts === undefined ? fc.record(model) : fc.record(model, opts);
  return (arb as fc.Arbitrary<T>).map((o) => ({ ...o }));
}

/** Go uint sizes. */
export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** LamportTime (uint64 limited to the safe JS range). */
export const u64 = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.maxSafeNat());

/** Node names and other Go strings: mostly short ASCII, sometimes any Unicode, sometimes long. */
export const name = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 32, maxLength: 300 }) },
);

/** A raw byte field. */
export const raw = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 600 }) },
);
/** A non-empty raw byte field (omitempty fields decode empty as absent). */
export const nonEmptyRaw = fc.uint8Array({ minLength: 1, maxLength: 40 });
export const nullableRaw = fc.option(raw, { nil: null });
/** 4- or 16-byte IP. */
export const ip = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
);
/** A 6-byte Vsn. */
export const vsn = fc.uint8Array({ minLength: 6, maxLength: 6 });

const source = rec(
  {
    sourceAddr: nonEmptyRaw,
    sourcePort: fc.integer({ min: 1, max: 0xffff }),
    sourceNode: fc.string({ minLength: 1, maxLength: 10 }),
  },
  { requiredKeys: [] },
);

export const pushNodeState: fc.Arbitrary<PushNodeState> = rec({
  name,
  addr: ip,
  port: u16,
  meta: raw,
  incarnation: u32,
  state: fc.integer({ min: 0, max: 3 }),
  vsn,
});

/** Any memberlist message (user bodies are arbitrary bytes, possibly empty). */
export const message: fc.Arbitrary<Message> = fc.oneof(
  fc
    .tuple(rec({ seqNo: u32, node: name }), source)
    .map(([a, b]): Message => ({ type: 'ping', body: { ...a, ...b } })),
  fc
    .tuple(rec({ seqNo: u32, target: ip, port: u16, node: name, nack: fc.boolean() }), source)
    .map(([a, b]): Message => ({ type: 'indirectPing', body: { ...a, ...b } })),
  rec({ seqNo: u32, payload: nullableRaw }).map((body): Message => ({ type: 'ack', body })),
  rec({ seqNo: u32 }).map((body): Message => ({ type: 'nack', body })),
  rec({ incarnation: u32, node: name, from: name }).map((body): Message => ({ type: 'suspect', body })),
  rec({ incarnation: u32, node: name, from: name }).map((body): Message => ({ type: 'dead', body })),
  rec({ incarnation: u32, node: name, addr: ip, port: u16, meta: raw, vsn }).map((body): Message => ({
    type: 'alive',
    body,
  })),
  rec({ join: fc.boolean(), nodes: fc.array(pushNodeState, { maxLength: 20 }), userState: raw }).map(
    (body): Message => ({ type: 'pushPull', body }),
  ),
  raw.map((body): Message => ({ type: 'user', body })),
  rec({ error: name }).map((body): Message => ({ type: 'err', body })),
);

/** A message whose encoding is never empty and decodes back to itself on UDP. */
export const udpMessage: fc.Arbitrary<Message> = message.filter(
  (m) => m.type !== 'pushPull' && m.type !== 'err',
);

const tagMap = fc
  .array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })), { maxLength: 8 })
  .map((e) => new Map(e));
/** Serf tags. */
export const tags = tagMap;

const slot: fc.Arbitrary<SerfUserEventsSlot> = rec({
  lTime: u64,
  events: fc.array(rec({ name, payload: nullableRaw }), { maxLength: 3 }),
});

export const serfPushPull: fc.Arbitrary<SerfPushPull> = rec({
  lTime: u64,
  statusLTimes: fc.array(fc.tuple(name, u64), { maxLength: 10 }).map((e) => new Map(e)),
  leftMembers: fc.array(name, { maxLength: 5 }),
  eventLTime: u64,
  events: fc.oneof(
    fc.array(fc.option(slot, { nil: null }), { maxLength: 20 }),
    fc.constant(new Array(512).fill(null)),
  ),
  queryLTime: u64,
});

const filterBytes = fc.option(fc.array(raw, { maxLength: 4 }), { nil: null });

/** Any Serf gossip/direct message (relays wrap arbitrary inner bytes). */
export const serfMessage: fc.Arbitrary<SerfMessage> = fc.oneof(
  rec({ lTime: u64, node: name, prune: fc.boolean() }).map((body): SerfMessage => ({ type: 'leave', body })),
  rec({ lTime: u64, node: name }).map((body): SerfMessage => ({ type: 'join', body })),
  serfPushPull.map((body): SerfMessage => ({ type: 'pushPull', body })),
  rec({ lTime: u64, name, payload: nullableRaw, cc: fc.boolean() }).map((body): SerfMessage => ({
    type: 'userEvent',
    body,
  })),
  rec({
    lTime: u64,
    id: u32,
    addr: ip,
    port: u16,
    sourceNode: name,
    filters: filterBytes,
    flags: u32,
    relayFactor: u8,
    timeout: fc.maxSafeNat(),
    name,
    payload: nullableRaw,
  }).map((body): SerfMessage => ({ type: 'query', body })),
  rec({ lTime: u64, id: u32, from: name, flags: u32, payload: nullableRaw }).map((body): SerfMessage => ({
    type: 'queryResponse',
    body,
  })),
  rec({
    header: rec({
      destAddr: rec({ ip, port: u16, zone: fc.string({ maxLength: 8 }) }),
      destName: name,
    }),
    inner: raw,
  }).map((r): SerfMessage => ({ type: 'relay', ...r })),
);

export const filter: fc.Arbitrary<SerfFilter> = fc.oneof(
  rec({ type: fc.constant('node' as const), nodes: fc.array(name, { maxLength: 6 }) }),
  rec({ type: fc.constant('tag' as const), tag: name, expr: name }),
);

export const member: fc.Arbitrary<SerfMember> = rec({
  name,
  addr: ip,
  port: u16,
  tags,
  status: fc.integer({ min: 0, max: 4 }),
  protocolMin: u8,
  protocolMax: u8,
  protocolCur: u8,
  delegateMin: u8,
  delegateMax: u8,
  delegateCur: u8,
});

export const keyResponse: fc.Arbitrary<SerfKeyResponse> = rec({
  result: fc.boolean(),
  message: name,
  keys: fc.option(fc.array(fc.string({ maxLength: 44 }), { maxLength: 5 }), { nil: null }),
  primaryKey: fc.string({ maxLength: 44 }),
});
