/**
 * The one style of configuration validation: a configuration is a table of defaults and a rule
 * per field; {@link applyRules} overlays the caller's partial object on the defaults and checks
 * every field, pushing one line per problem (`field: what is wrong (got value)`), so that the
 * caller throws a single `ConfigError` listing them all. memberlist's tunables (swim/config.ts)
 * and Serf's (cluster/config.ts) are both resolved this way; checks across fields (a timeout
 * below its interval…) follow the table, once every field is known to be well-typed.
 */

/** What one field must be. */
export type FieldRule =
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'bool' }
  | { readonly kind: 'oneOf'; readonly values: readonly string[] }
  /** Anything else: returns the problem, or undefined when `value` is fine. */
  | { readonly kind: 'check'; readonly check: (value: unknown) => string | undefined };

/** An integer field within `[min, max]`. */
export const int = (min: number, max: number): FieldRule => ({ kind: 'int', min, max });
/** A boolean field. */
export const bool: FieldRule = { kind: 'bool' };
/** A string field with one of `values`. */
export const oneOf = (...values: string[]): FieldRule => ({ kind: 'oneOf', values });
/** A field checked by `check`. */
export const check = (fn: (value: unknown) => string | undefined): FieldRule => ({
  kind: 'check',
  check: fn,
});

/** A value as problems quote it: strings in quotes, objects as `an object`. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** The problem with `value` under `rule`, or undefined. */
export function ruleProblem(rule: FieldRule, value: unknown): string | undefined {
  switch (rule.kind) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= rule.min && value <= rule.max
        ? undefined
        : `must be an integer between ${rule.min} and ${rule.max} (got ${showValue(value)})`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `must be a boolean (got ${showValue(value)})`;
    case 'oneOf':
      return typeof value === 'string' && rule.values.includes(value)
        ? undefined
        : `must be one of ${rule.values.join(', ')} (got ${showValue(value)})`;
    case 'check':
      return rule.check(value);
  }
}

/**
 * `defaults` overlaid with `partial`'s defined fields, every field checked against `rules`. Pushes
 * one problem per unknown key and per bad field to `problems`; the result is meaningful only when
 * none was pushed. `partial` is not modified.
 */
export function applyRules<T extends object>(
  defaults: T,
  rules: { readonly [K in keyof T]: FieldRule },
  partial: unknown,
  problems: string[],
): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    problems.push(`config: must be an object (got ${showValue(partial)})`);
    return out as T;
  }
  for (const [key, value] of Object.entries(partial)) {
    if (!Object.hasOwn(rules, key)) problems.push(`${key}: unknown option`);
    else if (value !== undefined) out[key] = value;
  }
  for (const [key, rule] of Object.entries(rules) as [string, FieldRule][]) {
    const p = ruleProblem(rule, out[key]);
    if (p !== undefined) problems.push(`${key}: ${p}`);
  }
  return out as T;
}
