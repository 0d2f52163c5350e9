/**
 * Member filters with `serf members` semantics (serf: cmd/serf/command/agent/ipc.go
 * `filterMembers`): each tag expression, the status and the name are Go regular expressions
 * compiled as `^` + expr + `$` (string concatenation, so `a|b` becomes `^a|b$`, exactly as in
 * Serf); a missing tag matches as the empty string. A JS `RegExp` may be given instead of a string
 * and is used as is (unanchored, JS semantics).
 */
import { ConfigError } from '../wire/errors.js';
import type { Member, MemberStatus } from './members.js';
import { compileGoRegexp, type GoRegexp } from './re2.js';

/** A filter on members; every given criterion must match. */
export interface MemberFilter {
  /** tag name → Go regex (anchored) or JS RegExp. */
  readonly tags?: Readonly<Record<string, string | RegExp>>;
  /** Status (anchored Go regex such as `alive|failed`, or a JS RegExp). */
  readonly status?: MemberStatus | string | RegExp;
  /** Name (anchored Go regex or JS RegExp). */
  readonly name?: string | RegExp;
}

type Matcher = (s: string) => boolean;

function compile(what: string, expr: string | RegExp, problems: string[]): Matcher {
  if (expr instanceof RegExp) {
    // A fresh copy so a global/sticky flag's lastIndex never carries over between members.
    const re = new RegExp(expr.source, expr.flags.replace(/[gy]/g, ''));
    return (s) => re.test(s);
  }
  const re: GoRegexp | null = compileGoRegexp(`^${expr}$`);
  if (re === null) {
    problems.push(`${what}: invalid regular expression ${JSON.stringify(expr)}`);
    return () => false;
  }
  return (s) => re.test(s);
}

/**
 * Compile a filter once; throws a {@link ConfigError} listing every invalid expression (as Serf
 * answers `Failed to compile regex`).
 */
export function compileMemberFilter(filter: MemberFilter): (m: Member) => boolean {
  const problems: string[] = [];
  const tagMatchers: [string, Matcher][] = Object.entries(filter.tags ?? {}).map(([k, v]) => [
    k,
    compile(`tags.${k}`, v, problems),
  ]);
  const status =
    filter.status === undefined || filter.status === ''
      ? undefined
      : compile('status', filter.status, problems);
  const name =
    filter.name === undefined || filter.name === '' ? undefined : compile('name', filter.name, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return (m) => {
    for (const [k, match] of tagMatchers) {
      const v = Object.hasOwn(m.tags, k) ? (m.tags[k] as string) : '';
      if (!match(v)) return false;
    }
    if (status !== undefined && !status(m.status)) return false;
    if (name !== undefined && !name(m.name)) return false;
    return true;
  };
}
