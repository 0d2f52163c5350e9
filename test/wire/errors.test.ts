import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as errors from '../../src/wire/errors.js';
import { GOSSIP_ERROR_CODES, GossipError } from '../../src/wire/errors.js';
import { repoPath } from '../helpers/repo-root.js';

/** Rows of the table in docs/errors.md: code → documented class. */
function documented(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(repoPath('docs', 'errors.md'), 'utf8').split('\n')) {
    const m = /^\|\s*`(GP_ERR_[A-Z_]+)`\s*\|\s*`(\w+)`\s*\|/.exec(line);
    if (m !== null) rows.set(m[1]!, m[2]!);
  }
  return rows;
}

test('docs/errors.md lists exactly the codes of src/wire/errors.ts, in the same order', () => {
  assert.deepEqual([...documented().keys()], [...GOSSIP_ERROR_CODES]);
});

test('every error class in src/wire/errors.ts carries the code docs/errors.md gives it', () => {
  const docs = documented();
  const samples: GossipError[] = [
    new errors.DecodeError('x'),
    new errors.EncodeError('x'),
    new errors.ConfigError(['x']),
    new errors.TooLargeError('x'),
    new errors.StateError('x'),
    new errors.InternalError('x'),
    new errors.NoCandidateError('x'),
  ];
  const classes = Object.entries(errors).filter(
    ([, v]) => typeof v === 'function' && (v === GossipError || v.prototype instanceof GossipError),
  );
  // Every subclass is sampled above, so a new class without a docs row fails here.
  assert.equal(classes.length, samples.length + 1);
  for (const e of samples) {
    assert.ok(e instanceof GossipError);
    assert.equal(docs.get(e.code), e.name, `${e.name} has code ${e.code}`);
  }
  for (const [code, cls] of docs) {
    if (cls === 'GossipError') assert.ok(!samples.some((e) => e.code === code), `${code} has its own class`);
  }
});

test('a DecodeError is a GossipError with code GP_ERR_DECODE and no stack frames', () => {
  const e = new errors.DecodeError('bad bytes');
  assert.equal(e.code, 'GP_ERR_DECODE');
  assert.equal(e.name, 'DecodeError');
  assert.equal(e.message, 'bad bytes');
  assert.ok(!String(e.stack).includes('    at '));
  assert.ok(String(new errors.EncodeError('x').stack).includes('    at '), 'other errors keep their stack');
});
