import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileGoRegexp } from '../../src/cluster/re2.js';

function m(expr: string, input: string): boolean {
  const re = compileGoRegexp(expr);
  assert.ok(re !== null, `expected ${expr} to compile`);
  return re.test(input);
}

test('unanchored matching finds the expression anywhere, as Go MatchString does', () => {
  assert.equal(m('w.*', 'web'), true);
  assert.equal(m('eb', 'web'), true);
  assert.equal(m('^eb', 'web'), false);
  assert.equal(m('d.*', 'web'), false);
  assert.equal(m('', ''), true);
  assert.equal(m('x', ''), false);
});

test('anchors, alternation precedence and repetition follow Go', () => {
  assert.equal(m('^web$', 'web'), true);
  assert.equal(m('^web$', 'webs'), false);
  assert.equal(m('^a|b$', 'ax'), true); // (^a)|(b$)
  assert.equal(m('^a|b$', 'xb'), true);
  assert.equal(m('^a|b$', 'xbx'), false);
  assert.equal(m('^(a|b)+$', 'abba'), true);
  assert.equal(m('^a{2,3}$', 'aaaa'), false);
  assert.equal(m('^a{2,3}$', 'aaa'), true);
  assert.equal(m('^a{2}$', 'aa'), true);
  assert.equal(m('^a{2,}$', 'aaaaaa'), true);
  assert.equal(m('^a{,2}$', 'a{,2}'), true); // not a repeat in Go: literal
  assert.equal(m('^x*?y$', 'xxy'), true);
  assert.equal(m('$x', 'x'), false);
});

test('$ without (?m) matches only at the very end, not before a final newline', () => {
  assert.equal(m('a$', 'a\n'), false);
  assert.equal(m('(?m)a$', 'a\nb'), true);
  assert.equal(m('\\Aa', 'ba'), false);
  assert.equal(m('a\\z', 'ba'), true);
});

test('dot skips newline unless (?s); classes and Perl classes are ASCII like Go', () => {
  assert.equal(m('^a.b$', 'a\nb'), false);
  assert.equal(m('(?s)^a.b$', 'a\nb'), true);
  assert.equal(m('^[^x]$', '\n'), true);
  assert.equal(m('^\\d+$', '0123'), true);
  assert.equal(m('^\\d$', '٣'), false); // Arabic-Indic digit: \d is ASCII in Go
  assert.equal(m('^\\s$', '\v'), false); // Go's \s has no \v
  assert.equal(m('^\\w+$', 'a_Z9'), true);
  assert.equal(m('^[[:alpha:]]+$', 'abcXYZ'), true);
  assert.equal(m('^[[:^alpha:]]+$', '12'), true);
  assert.equal(m('^[]a]+$', ']a]'), true);
  assert.equal(m('^[a-c-]+$', 'a-c'), true);
  assert.equal(m('^\\pL+$', 'héllo'), true);
  assert.equal(m('^\\p{Greek}+$', 'αβγ'), true);
  assert.equal(m('^\\PL$', '1'), true);
  assert.equal(m('^[\\d\\s]+$', '1 2'), true);
});

test('flags: case-insensitive scopes and groups', () => {
  assert.equal(m('(?i)WEB', 'web'), true);
  assert.equal(m('(?i:W)EB', 'wEB'), true);
  assert.equal(m('(?i:W)EB', 'web'), false);
  assert.equal(m('(?i)[a-c]+', 'ABC'), true);
  assert.equal(m('a(?i)b', 'aB'), true);
  assert.equal(m('(a(?i)b)c', 'aBC'), false);
});

test('escapes: octal, hex, \\Q…\\E and punctuation', () => {
  assert.equal(m('^\\x41\\x{42}\\101$', 'ABA'), true);
  assert.equal(m('^\\Q.*\\E$', '.*'), true);
  assert.equal(m('^\\Q.*\\E$', 'ab'), false);
  assert.equal(m('^\\.$', '.'), true);
  assert.equal(m('\\bfoo\\b', 'a foo b'), true);
  assert.equal(m('\\bfoo\\b', 'afoo'), false);
  assert.equal(m('\\Bfoo', 'afoo'), true);
  assert.equal(m('^(?P<role>web)$', 'web'), true);
});

test('expressions Go rejects do not compile', () => {
  for (const bad of [
    '(a',
    'a)',
    '[a',
    '*a',
    'a**',
    'a+*',
    '(?=a)',
    '(?!a)',
    '(?<=a)b',
    '(?<n>a)', // Go 1.19 only knows (?P<n>...)
    '\\1',
    '\\8',
    '\\Z',
    '\\C',
    'a{1001}',
    'a{3,2}',
    '[z-a]',
    '\\p{NoSuchScript}',
    '\\',
    '(?x)',
  ]) {
    assert.equal(compileGoRegexp(bad), null, `expected ${JSON.stringify(bad)} to be rejected`);
  }
});

test('a catastrophic-backtracking pattern from a peer runs in linear time', () => {
  // A backtracking engine takes exponential time here; the NFA answers at once.
  assert.equal(m('(a+)+$', 'a'.repeat(400) + 'b'), false);
  assert.equal(m('(a|a)*c', 'a'.repeat(400)), false);
  assert.equal(m('(x+x+)+y', 'x'.repeat(300) + 'y'), true);
});

test('on the common subset, answers agree with JavaScript RegExp', () => {
  const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '(a|b)', '(ab)', 'x');
  const quant = fc.constantFrom('', '*', '+', '?', '{1,2}');
  const piece = fc.tuple(atom, quant).map(([a, q]) => a + q);
  const expr = fc
    .tuple(
      fc.constantFrom('', '^'),
      fc.array(piece, { minLength: 1, maxLength: 5 }),
      fc.constantFrom('', '$'),
    )
    .map(([s, ps, e]) => s + ps.join('') + e);
  const input = fc.stringMatching(/^[abx1\n]{0,8}$/);
  fc.assert(
    fc.property(expr, input, (e, s) => {
      assert.equal(m(e, s), new RegExp(e).test(s), `${e} on ${JSON.stringify(s)}`);
    }),
    { numRuns: 2000 },
  );
});
