/**
 * Our Go-regexp engine and `serf members -tag` semantics, checked against the real serf binary:
 * one agent carries several tags, and for each (tag, expression) pair `serf members -tag k=expr`
 * must list the agent exactly when our member filter accepts it, and refuse exactly the
 * expressions we refuse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileMemberFilter } from '../../src/cluster/member-filter.js';
import type { Member } from '../../src/cluster/members.js';
import { ConfigError } from '../../src/wire/errors.js';
import { SerfAgent, serfAvailable } from '../helpers/serf-agent.js';

const tags: Record<string, string> = {
  a: 'web',
  b: 'web-01.east',
  c: 'ABC',
  d: '',
  e: 'x*y',
  f: 'héllo wörld',
  g: 'a\\b',
};

const cases: [string, string][] = [
  ['a', 'web'],
  ['a', 'we'],
  ['a', 'w.*'],
  ['a', 'web|db'],
  ['a', 'x|web'],
  ['a', '(?i)WEB'],
  ['a', '[[:alpha:]]+'],
  ['a', '\\w{3}'],
  ['a', 'w(e|a)b'],
  ['a', 'web$'],
  ['a', '(?=w)eb'],
  ['a', 'w++'],
  ['a', '(?P<n>web)'],
  ['a', '(?<n>web)'],
  ['a', 'we\\Qb\\E'],
  ['a', '\\x77eb'],
  ['b', 'web-\\d+\\.east'],
  ['b', 'web-[0-9]{2}\\..*'],
  ['b', '.*east'],
  ['b', '.*\\beast'],
  ['b', '[^.]*'],
  ['c', '[a-c]+'],
  ['c', '(?i)[a-c]+'],
  ['c', '\\p{Lu}+'],
  ['c', '[[:^lower:]]{3}'],
  ['d', ''],
  ['d', '.*'],
  ['d', '.+'],
  ['d', 'x?'],
  ['e', 'x*y'],
  ['e', 'x\\*y'],
  ['e', '\\Qx*y\\E'],
  ['f', 'h.llo w.rld'],
  ['f', '\\pL+ \\pL+'],
  ['f', '[^ ]+ [^ ]+'],
  ['g', 'a\\\\b'],
  ['g', 'a.b'],
  ['nope', ''],
  ['nope', 'x'],
  ['a', '\\1'],
  ['a', '\\Z'],
  ['a', 'a{1001}'],
  ['a', '[z-a]'],
];

test(
  'serf members -tag and our member filter agree on every expression',
  { skip: !serfAvailable() && 'serf not installed' },
  async () => {
    const agent = await SerfAgent.start({ name: 'rx', tags });
    try {
      const self: Member = {
        name: 'rx',
        addr: { ip: '127.0.0.1', port: agent.port },
        tags,
        status: 'alive',
        protocolMin: 1,
        protocolMax: 5,
        protocolCur: 2,
        delegateMin: 2,
        delegateMax: 5,
        delegateCur: 5,
      };
      for (const [k, expr] of cases) {
        const r = await agent.cli(['members', '-format=json', '-tag', `${k}=${expr}`]);
        let ours: boolean | 'error';
        try {
          ours = compileMemberFilter({ tags: { [k]: expr } })(self);
        } catch (e) {
          assert.ok(e instanceof ConfigError);
          ours = 'error';
        }
        const theirs: boolean | 'error' =
          r.code !== 0
            ? 'error'
            : ((JSON.parse(r.stdout) as { members: unknown[] | null }).members ?? []).length === 1;
        assert.equal(
          ours,
          theirs,
          `-tag ${k}=${expr} on ${JSON.stringify(tags[k] ?? '')}: serf says ${theirs}, we say ${ours}`,
        );
      }
    } finally {
      await agent.stop();
    }
  },
);
