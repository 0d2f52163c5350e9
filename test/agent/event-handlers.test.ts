import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import {
  ScriptEventHandler,
  parseEventScript,
  runScript,
  scriptInvocation,
  scriptMatches,
} from '../../src/agent/event-handlers.js';
import type { Member } from '../../src/cluster/members.js';
import type { NodeEvent, NodeQueryEvent, NodeUserEvent } from '../../src/runtime/events.js';
import { TransportError } from '../../src/transport/errors.js';
import { ConfigError } from '../../src/wire/errors.js';

const self = { name: 'n1', tags: { role: 'web', 'dc-name': 'east 1' } };
const member: Member = {
  name: 'b\tx',
  addr: { ip: '127.0.0.1', port: 7946 },
  tags: { role: 'db' },
  status: 'alive',
  protocolMin: 1,
  protocolMax: 5,
  protocolCur: 2,
  delegateMin: 2,
  delegateMax: 5,
  delegateCur: 5,
};
const ts = 1_764_170_000_000;
const user: NodeUserEvent = {
  type: 'user',
  lTime: 7,
  name: 'deploy',
  payload: Buffer.from('v1'),
  coalesce: true,
  multicast: false,
  ts,
};
/** A query event whose responses land in `answers`. */
function queryEvent(name: string, answers: string[] = []): NodeQueryEvent {
  return {
    type: 'query',
    lTime: 9,
    name,
    payload: Buffer.from('q\n'),
    sourceNode: 'a',
    source: { ip: '127.0.0.1', port: 1 },
    respond: (p) => void answers.push(`${name}:${Buffer.from(p).toString()}`),
    ts,
  };
}
const query = queryEvent('load');
const transportError: NodeEvent = {
  type: 'transport-error',
  error: new TransportError('send', 'x'),
  ts,
};

test('event handler specs parse like serf -event-handler and bad filters are refused', () => {
  assert.deepEqual(parseEventScript('handler.sh'), [{ event: '*', name: '', script: 'handler.sh' }]);
  assert.deepEqual(parseEventScript('member-join,user:deploy=./h.sh a=b'), [
    { event: 'member-join', name: '', script: './h.sh a=b' },
    { event: 'user', name: 'deploy', script: './h.sh a=b' },
  ]);
  assert.throws(() => parseEventScript('member-joined=x'), ConfigError);
});

test('filters select events by type and user/query name', () => {
  const [userDeploy] = parseEventScript('user:deploy=x');
  const [anyQuery] = parseEventScript('query=x');
  const [all] = parseEventScript('x');
  assert.equal(scriptMatches(userDeploy!, user), true);
  assert.equal(scriptMatches(userDeploy!, { ...user, name: 'other' }), false);
  assert.equal(scriptMatches(anyQuery!, query), true);
  assert.equal(scriptMatches(anyQuery!, user), false);
  assert.equal(scriptMatches(all!, { type: 'member-join', member, ts }), true);
  assert.equal(scriptMatches(all!, transportError), false);
  assert.equal(scriptMatches(all!, { type: 'shutdown', reason: 'name-conflict', ts }), false);
});

test("a script sees Serf's environment and stdin for member, user and query events", async () => {
  const m = scriptInvocation(self, { type: 'member-failed', member, ts })!;
  assert.equal(m.env.SERF_EVENT, 'member-failed');
  assert.equal(m.env.SERF_SELF_NAME, 'n1');
  assert.equal(m.env.SERF_SELF_ROLE, 'web');
  assert.equal(m.env.SERF_TAG_DC_NAME, 'east 1');
  assert.equal(Buffer.from(m.stdin).toString(), 'b\\tx\t127.0.0.1\tdb\trole=db\n');
  const u = scriptInvocation(self, user)!;
  assert.equal(u.env.SERF_USER_EVENT, 'deploy');
  assert.equal(u.env.SERF_USER_LTIME, '7');
  assert.equal(Buffer.from(u.stdin).toString(), 'v1\n');
  const q = scriptInvocation(self, query)!;
  assert.deepEqual(q.env, {
    SERF_EVENT: 'query',
    SERF_SELF_NAME: 'n1',
    SERF_SELF_ROLE: 'web',
    SERF_TAG_ROLE: 'web',
    SERF_TAG_DC_NAME: 'east 1',
    SERF_QUERY_NAME: 'load',
    SERF_QUERY_LTIME: '9',
  });
  assert.equal(Buffer.from(q.stdin).toString(), 'q\n'); // no second newline
  const r = await runScript('echo "$SERF_EVENT $SERF_USER_EVENT $SERF_TAG_ROLE"; cat', u.env, u.stdin);
  assert.equal(r.code, 0);
  assert.equal(r.output.toString(), 'user deploy web\nv1\n');
});

test("a query handler's output becomes the response; a failing script answers nothing", async () => {
  const responses: string[] = [];
  const host = { self: () => self };
  const h = new ScriptEventHandler(
    [
      ...parseEventScript('query:load=printf "pong-$SERF_SELF_NAME"'),
      ...parseEventScript('query:fail=echo x; exit 3'),
    ],
    host,
  );
  h.handle(queryEvent('load', responses));
  h.handle(queryEvent('fail', responses));
  h.handle(user); // no matching script
  h.handle(transportError); // never a script's
  await h.idle();
  assert.deepEqual(responses, ['load:pong-n1']);
});

test('scripts run one at a time in event order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gp-eh-'));
  const file = join(dir, 'order');
  try {
    const host = { self: () => self };
    // The first event sleeps longest: run concurrently, the file would read 3 2 1.
    const h = new ScriptEventHandler(
      parseEventScript(`user=sleep 0.$((4 - SERF_USER_LTIME)); echo "$SERF_USER_LTIME" >> '${file}'`),
      host,
    );
    for (let i = 1; i <= 3; i++) h.handle({ ...user, lTime: i });
    await h.idle();
    assert.equal(readFileSync(file, 'utf8'), '1\n2\n3\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
