/**
 * A small, linear-time matcher for Go's `regexp` syntax (RE2), used for Serf's tag filters.
 *
 * Why not JS `RegExp`: query filters arrive from the network (`Filters` of a Serf query, §10.5) and
 * are run against our tag values. Go runs them with RE2, which is linear in the input; a JS
 * backtracking engine given `(a+)+$` by a peer can spin for minutes. We also want Go's answers,
 * not JavaScript's: RE2 rejects backreferences and lookaround, spells named groups `(?P<n>…)`,
 * has `\A`, `\z`, `\Q…\E`, POSIX classes and inline flags, and `\s` has no `\v`.
 *
 * What is supported (Go 1.19 `regexp/syntax` with the `Perl` flags that `regexp.Compile` uses):
 * literals and escapes (`\a \f \t \n \r \v`, octal `\123`, `\x7F`, `\x{10FFFF}`, escaped
 * punctuation, `\Q…\E`); `.`; classes `[...]`/`[^...]` with ranges, `\d \w \s` and their
 * negations, POSIX `[:alpha:]` and `[:^alpha:]`, Unicode `\pL`, `\p{Greek}`, `\PL`, `\p{^L}`;
 * anchors `^ $ \A \z \b \B`; groups `(…)`, `(?:…)`, `(?P<name>…)`; flags `(?imsU-imsU)` and
 * `(?flags:…)`; alternation; `* + ? {n} {n,} {n,m}` (max 1000) and their lazy forms.
 *
 * Known differences from Go, all documented here so nobody is surprised:
 * - Case folding under `(?i)` uses JS `toLowerCase`/`toUpperCase` of single code points, not
 *   Unicode's simple-fold orbits (differs for a handful of characters such as `ſ`, `K` (Kelvin)).
 * - Unicode classes (`\p{…}`) are resolved by the JS engine's Unicode tables (script and
 *   general-category names as JS knows them), which may be a newer Unicode version than Go 1.19.
 * - Input is a JS string walked by code points; a lone surrogate is matched as itself, where Go
 *   would see U+FFFD for invalid UTF-8.
 * Errors (anything Go's `regexp.Compile` would reject, plus programs above {@link MAX_INSTRUCTIONS})
 * are reported as `null` from {@link compileGoRegexp}; Serf treats an uncompilable filter as "no
 * match".
 */

/** Upper bound on compiled program size (Go bounds repetition at 1000 and program size too). */
export const MAX_INSTRUCTIONS = 50_000;

/** A compiled Go regular expression. */
export interface GoRegexp {
  /** The source expression. */
  readonly source: string;
  /** True when the expression matches anywhere in `input` (Go `MatchString`, unanchored). */
  test(input: string): boolean;
}

// ------------------------------------------------------------------ parsing

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

/** A set of code points: sorted inclusive ranges, optional predicates, optional negation. */
interface CharSet {
  ranges: [number, number][];
  preds: ((cp: number) => boolean)[];
  negate: boolean;
}

type Node =
  | { t: 'set'; set: CharSet }
  | { t: 'empty' }
  | { t: 'assert'; kind: 'bol' | 'eol' | 'bot' | 'eot' | 'wb' | 'nwb' }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; sub: Node; min: number; max: number };

class SyntaxErr extends Error {}

const PERL_CLASSES: Record<string, [number, number][]> = {
  d: [[0x30, 0x39]],
  s: [
    [0x09, 0x0a],
    [0x0c, 0x0d],
    [0x20, 0x20],
  ],
  w: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
};

const POSIX_CLASSES: Record<string, [number, number][]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

function unicodeClassPred(name: string): (cp: number) => boolean {
  // Go accepts general categories (L, Lu, …) and script names; `Any` is every code point.
  if (name === 'Any') return () => true;
  let re: RegExp;
  try {
    re = /^[A-Z][a-z]?$/.test(name)
      ? new RegExp(`^\\p{${name}}$`, 'u')
      : new RegExp(`^\\p{Script=${name}}$`, 'u');
  } catch {
    throw new SyntaxErr(`invalid character class range: \\p{${name}}`);
  }
  return (cp) => re.test(String.fromCodePoint(cp));
}

function negateRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

function foldCase(cp: number): number[] {
  const s = String.fromCodePoint(cp);
  const out = new Set<number>([cp]);
  for (const v of [s.toLowerCase(), s.toUpperCase()]) {
    const c = v.codePointAt(0);
    if (c !== undefined && String.fromCodePoint(c) === v) out.add(c);
  }
  return [...out];
}

function setHas(set: CharSet, cp: number): boolean {
  let inSet = false;
  for (const [lo, hi] of set.ranges) {
    if (cp >= lo && cp <= hi) {
      inSet = true;
      break;
    }
  }
  if (!inSet) for (const p of set.preds) if (p(cp)) inSet = true;
  return set.negate ? !inSet : inSet;
}

/** Make a set case-insensitive by adding the other case of every member (bounded ranges only). */
function foldSet(set: CharSet): CharSet {
  const extra: [number, number][] = [];
  for (const [lo, hi] of set.ranges) {
    if (hi - lo > 0x3000) continue; // huge ranges already cover most cases
    for (let c = lo; c <= hi; c++) for (const f of foldCase(c)) if (f !== c) extra.push([f, f]);
  }
  const preds = set.preds.map((p) => (cp: number) => foldCase(cp).some((f) => p(f)));
  return { ranges: [...set.ranges, ...extra], preds, negate: set.negate };
}

class Parser {
  private pos = 0;
  private readonly cps: number[];

  constructor(src: string) {
    this.cps = Array.from(src, (c) => c.codePointAt(0) as number);
  }

  parse(): Node {
    const node = this.parseAlt({ i: false, m: false, s: false }, 0);
    if (this.pos < this.cps.length) throw new SyntaxErr('unexpected )');
    return node;
  }

  private peek(off = 0): number | undefined {
    return this.cps[this.pos + off];
  }

  private ch(cp: number | undefined): string {
    return cp === undefined ? '' : String.fromCodePoint(cp);
  }

  private parseAlt(flags: Flags, depth: number): Node {
    if (depth > 1000) throw new SyntaxErr('expression nests too deeply');
    const alts: Node[] = [];
    let items: Node[] = [];
    const f = { ...flags };
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x29 /* ) */) break;
      if (c === 0x7c /* | */) {
        this.pos++;
        alts.push(items.length === 1 ? (items[0] as Node) : { t: 'cat', items });
        items = [];
        continue;
      }
      const atom = this.parseAtom(f, depth);
      if (atom === null) continue; // a flag group `(?i)` changed `f` and produced nothing
      items.push(this.parseRepeat(atom));
    }
    alts.push(items.length === 1 ? (items[0] as Node) : { t: 'cat', items });
    return alts.length === 1 ? (alts[0] as Node) : { t: 'alt', items: alts };
  }

  private parseRepeat(atom: Node): Node {
    let node = atom;
    let repeated = false;
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === 0x2a /* * */) [min, max] = [0, -1];
      else if (c === 0x2b /* + */) [min, max] = [1, -1];
      else if (c === 0x3f /* ? */) [min, max] = [0, 1];
      else if (c === 0x7b /* { */) {
        const r = this.tryBraces();
        if (r === null) return node; // literal `{`, handled as an atom next round
        [min, max] = r;
        if (repeated) throw new SyntaxErr('invalid nested repetition operator');
        node = { t: 'rep', sub: node, min, max };
        repeated = true;
        if (this.peek() === 0x3f) this.pos++;
        continue;
      } else return node;
      if (repeated) throw new SyntaxErr('invalid nested repetition operator');
      this.pos++;
      if (this.peek() === 0x3f) this.pos++; // lazy: irrelevant for a yes/no match
      node = { t: 'rep', sub: node, min, max };
      repeated = true;
    }
  }

  /** `{n}`, `{n,}`, `{n,m}` at the cursor; consumes and returns it, or null for a literal `{`. */
  private tryBraces(): [number, number] | null {
    const start = this.pos;
    let p = this.pos + 1;
    const num = (): number | null => {
      const s = p;
      while (this.cps[p] !== undefined && (this.cps[p] as number) >= 0x30 && (this.cps[p] as number) <= 0x39)
        p++;
      if (p === s) return null;
      return Number(String.fromCodePoint(...this.cps.slice(s, p)));
    };
    const min = num();
    if (min === null) return null;
    let max = min;
    if (this.cps[p] === 0x2c /* , */) {
      p++;
      if (this.cps[p] === 0x7d) max = -1;
      else {
        const m = num();
        if (m === null) return null;
        max = m;
      }
    }
    if (this.cps[p] !== 0x7d /* } */) return null;
    this.pos = p + 1;
    if (min > 1000 || max > 1000 || (max !== -1 && max < min)) {
      this.pos = start;
      throw new SyntaxErr('invalid repeat count');
    }
    return [min, max];
  }

  private literal(cp: number, flags: Flags): Node {
    const ranges: [number, number][] = (flags.i ? foldCase(cp) : [cp]).map((c) => [c, c]);
    return { t: 'set', set: { ranges, preds: [], negate: false } };
  }

  private parseAtom(flags: Flags, depth: number): Node | null {
    const c = this.peek() as number;
    switch (c) {
      case 0x2a: // *
      case 0x2b: // +
      case 0x3f: // ?
        throw new SyntaxErr('missing argument to repetition operator');
      case 0x7b: {
        // `{` that starts a valid repeat with nothing before it is an error; otherwise a literal.
        const save = this.pos;
        if (this.tryBraces() !== null) throw new SyntaxErr('missing argument to repetition operator');
        this.pos = save + 1;
        return this.literal(c, flags);
      }
      case 0x28: // (
        return this.parseGroup(flags, depth);
      case 0x5b: // [
        return this.parseClass(flags);
      case 0x2e: // .
        this.pos++;
        return {
          t: 'set',
          set: {
            ranges: flags.s
              ? [[0, 0x10ffff]]
              : [
                  [0, 0x09],
                  [0x0b, 0x10ffff],
                ],
            preds: [],
            negate: false,
          },
        };
      case 0x5e: // ^
        this.pos++;
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot' };
      case 0x24: // $
        this.pos++;
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot' };
      case 0x5c: // backslash
        return this.parseEscapeAtom(flags);
      default:
        this.pos++;
        return this.literal(c, flags);
    }
  }

  private parseGroup(flags: Flags, depth: number): Node | null {
    this.pos++; // (
    if (this.peek() === 0x3f /* ? */) {
      this.pos++;
      if (this.peek() === 0x50 /* P */ && this.peek(1) === 0x3c /* < */) {
        this.pos += 2;
        const s = this.pos;
        while (this.peek() !== undefined && this.peek() !== 0x3e) this.pos++;
        const name = String.fromCodePoint(...this.cps.slice(s, this.pos));
        if (this.peek() !== 0x3e || !/^[A-Za-z0-9_]+$/.test(name))
          throw new SyntaxErr('invalid named capture');
        this.pos++;
        return this.finishGroup({ ...flags }, depth);
      }
      // Flags: (?imsU-imsU) or (?imsU-imsU:re). Anything else ((?=, (?!, (?<…) is an error in Go 1.19.
      const nf = { ...flags };
      let neg = false;
      let sawFlag = false;
      for (;;) {
        const f = this.peek();
        if (f === undefined) throw new SyntaxErr('missing closing )');
        const ch = this.ch(f);
        if (ch === 'i' || ch === 'm' || ch === 's' || ch === 'U') {
          if (ch !== 'U') nf[ch] = !neg;
          sawFlag = true;
          this.pos++;
        } else if (ch === '-') {
          if (neg) throw new SyntaxErr('invalid or unsupported Perl syntax');
          neg = true;
          sawFlag = false;
          this.pos++;
        } else if (ch === ')') {
          if (!sawFlag) throw new SyntaxErr('invalid or unsupported Perl syntax');
          this.pos++;
          Object.assign(flags, nf);
          return null;
        } else if (ch === ':') {
          if (neg && !sawFlag) throw new SyntaxErr('invalid or unsupported Perl syntax');
          this.pos++;
          return this.finishGroup(nf, depth);
        } else throw new SyntaxErr('invalid or unsupported Perl syntax');
      }
    }
    return this.finishGroup({ ...flags }, depth);
  }

  private finishGroup(flags: Flags, depth: number): Node {
    const inner = this.parseAlt(flags, depth + 1);
    if (this.peek() !== 0x29) throw new SyntaxErr('missing closing )');
    this.pos++;
    return inner;
  }

  /** Parse an escape at the cursor (after `\`) that denotes one code point; null if not one. */
  private escapedCodePoint(): number | null {
    const c = this.peek();
    if (c === undefined) throw new SyntaxErr('trailing backslash at end of expression');
    const ch = this.ch(c);
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (ch in simple) {
      this.pos++;
      return simple[ch] as number;
    }
    if (ch >= '0' && ch <= '7') {
      // A single non-zero digit is a backreference (unsupported); otherwise up to 3 octal digits.
      const next = this.ch(this.peek(1));
      if (ch !== '0' && !(next >= '0' && next <= '7')) throw new SyntaxErr('invalid escape sequence');
      let v = 0;
      let n = 0;
      while (n < 3 && this.ch(this.peek()) >= '0' && this.ch(this.peek()) <= '7') {
        v = v * 8 + (this.peek() as number) - 0x30;
        this.pos++;
        n++;
      }
      return v;
    }
    if (ch === 'x') {
      this.pos++;
      if (this.peek() === 0x7b) {
        this.pos++;
        const s = this.pos;
        while (this.peek() !== undefined && this.peek() !== 0x7d) this.pos++;
        const hex = String.fromCodePoint(...this.cps.slice(s, this.pos));
        if (this.peek() !== 0x7d || !/^[0-9A-Fa-f]{1,8}$/.test(hex))
          throw new SyntaxErr('invalid escape sequence');
        this.pos++;
        const v = parseInt(hex, 16);
        if (v > 0x10ffff) throw new SyntaxErr('invalid escape sequence');
        return v;
      }
      const hex = this.ch(this.peek()) + this.ch(this.peek(1));
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new SyntaxErr('invalid escape sequence');
      this.pos += 2;
      return parseInt(hex, 16);
    }
    // Escaped punctuation is a literal; escaped letters/digits not listed here are errors.
    if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) {
      this.pos++;
      return c;
    }
    return null;
  }

  /** `\d`, `\pL`, … at the cursor (after `\`): the class, or null if the escape is not a class. */
  private escapedClass(): CharSet | null {
    const ch = this.ch(this.peek());
    const lower = ch.toLowerCase();
    if ((lower === 'd' || lower === 's' || lower === 'w') && ch.length === 1) {
      this.pos++;
      return { ranges: [...(PERL_CLASSES[lower] as [number, number][])], preds: [], negate: ch !== lower };
    }
    if (ch === 'p' || ch === 'P') {
      this.pos++;
      let name: string;
      if (this.peek() === 0x7b) {
        this.pos++;
        const s = this.pos;
        while (this.peek() !== undefined && this.peek() !== 0x7d) this.pos++;
        if (this.peek() !== 0x7d) throw new SyntaxErr('invalid character class range');
        name = String.fromCodePoint(...this.cps.slice(s, this.pos));
        this.pos++;
      } else {
        const n = this.peek();
        if (n === undefined) throw new SyntaxErr('invalid character class range');
        name = this.ch(n);
        this.pos++;
      }
      let negate = ch === 'P';
      if (name.startsWith('^')) {
        negate = !negate;
        name = name.slice(1);
      }
      return { ranges: [], preds: [unicodeClassPred(name)], negate };
    }
    return null;
  }

  private parseEscapeAtom(flags: Flags): Node {
    this.pos++; // backslash
    const ch = this.ch(this.peek());
    const asserts: Record<string, 'bot' | 'eot' | 'wb' | 'nwb'> = { A: 'bot', z: 'eot', b: 'wb', B: 'nwb' };
    if (ch in asserts) {
      this.pos++;
      return { t: 'assert', kind: asserts[ch] as 'bot' | 'eot' | 'wb' | 'nwb' };
    }
    if (ch === 'Q') {
      this.pos++;
      const items: Node[] = [];
      while (this.peek() !== undefined && !(this.peek() === 0x5c && this.peek(1) === 0x45)) {
        items.push(this.literal(this.peek() as number, flags));
        this.pos++;
      }
      if (this.peek() !== undefined) this.pos += 2; // \E
      return items.length === 0 ? { t: 'empty' } : { t: 'cat', items };
    }
    const cls = this.escapedClass();
    if (cls !== null) return { t: 'set', set: flags.i ? foldSet(cls) : cls };
    const cp = this.escapedCodePoint();
    if (cp === null) throw new SyntaxErr('invalid escape sequence');
    return this.literal(cp, flags);
  }

  private parseClass(flags: Flags): Node {
    this.pos++; // [
    const set: CharSet = { ranges: [], preds: [], negate: false };
    if (this.peek() === 0x5e) {
      set.negate = true;
      this.pos++;
    }
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new SyntaxErr('missing closing ]');
      if (c === 0x5d && !first) {
        this.pos++;
        break;
      }
      first = false;
      // POSIX class [:name:] / [:^name:]
      if (c === 0x5b && this.peek(1) === 0x3a) {
        const rest = String.fromCodePoint(...this.cps.slice(this.pos));
        const m = /^\[:(\^?)([a-z]+):\]/.exec(rest);
        if (m !== null) {
          const ranges = POSIX_CLASSES[m[2] as string];
          if (ranges === undefined) throw new SyntaxErr('invalid character class range');
          const r = m[1] === '^' ? negateRanges(ranges) : ranges;
          set.ranges.push(...r);
          this.pos += Array.from(m[0]).length;
          continue;
        }
      }
      let lo: number;
      if (c === 0x5c) {
        this.pos++;
        const cls = this.escapedClass();
        if (cls !== null) {
          if (cls.negate) {
            if (cls.preds.length > 0) {
              const p = cls.preds;
              set.preds.push((cp) => !p.some((f) => f(cp)));
            } else set.ranges.push(...negateRanges(cls.ranges));
          } else {
            set.ranges.push(...cls.ranges);
            set.preds.push(...cls.preds);
          }
          continue;
        }
        const cp = this.escapedCodePoint();
        if (cp === null) throw new SyntaxErr('invalid escape sequence');
        lo = cp;
      } else {
        lo = c;
        this.pos++;
      }
      let hi = lo;
      if (this.peek() === 0x2d /* - */ && this.peek(1) !== undefined && this.peek(1) !== 0x5d) {
        this.pos++;
        const h = this.peek() as number;
        if (h === 0x5c) {
          this.pos++;
          const cp = this.escapedCodePoint();
          if (cp === null) throw new SyntaxErr('invalid character class range');
          hi = cp;
        } else {
          hi = h;
          this.pos++;
        }
        if (hi < lo) throw new SyntaxErr('invalid character class range');
      }
      set.ranges.push([lo, hi]);
    }
    return { t: 'set', set: flags.i ? foldSet(set) : set };
  }
}

// ------------------------------------------------------------------ compiling (Thompson NFA)

type Inst =
  | { op: 'set'; set: CharSet; next: number }
  | { op: 'split'; a: number; b: number }
  | { op: 'jmp'; next: number }
  | { op: 'assert'; kind: 'bol' | 'eol' | 'bot' | 'eot' | 'wb' | 'nwb'; next: number }
  | { op: 'match' };

class Compiler {
  readonly prog: Inst[] = [];

  private emit(i: Inst): number {
    if (this.prog.length >= MAX_INSTRUCTIONS) throw new SyntaxErr('expression too large');
    this.prog.push(i);
    return this.prog.length - 1;
  }

  /** Compile `n` so that it continues at the returned patch list; returns entry pc. */
  compile(n: Node): void {
    const holes = this.gen(n);
    const m = this.emit({ op: 'match' });
    this.patch(holes, m);
  }

  private patch(holes: [number, 'next' | 'a' | 'b'][], target: number): void {
    for (const [pc, field] of holes) {
      const inst = this.prog[pc] as Record<string, unknown>;
      inst[field] = target;
    }
  }

  /** Emits code for `n` starting at the current end; returns the dangling exits to patch. */
  private gen(n: Node): [number, 'next' | 'a' | 'b'][] {
    switch (n.t) {
      case 'empty': {
        const pc = this.emit({ op: 'jmp', next: -1 });
        return [[pc, 'next']];
      }
      case 'set': {
        const pc = this.emit({ op: 'set', set: n.set, next: -1 });
        return [[pc, 'next']];
      }
      case 'assert': {
        const pc = this.emit({ op: 'assert', kind: n.kind, next: -1 });
        return [[pc, 'next']];
      }
      case 'cat': {
        if (n.items.length === 0) return this.gen({ t: 'empty' });
        let holes = this.gen(n.items[0] as Node);
        for (const item of n.items.slice(1)) {
          const start = this.prog.length;
          const next = this.gen(item);
          this.patch(holes, start);
          holes = next;
        }
        return holes;
      }
      case 'alt': {
        let holes: [number, 'next' | 'a' | 'b'][] = [];
        const items = n.items;
        for (let i = 0; i < items.length; i++) {
          if (i === items.length - 1) {
            holes = holes.concat(this.gen(items[i] as Node));
          } else {
            const split = this.emit({ op: 'split', a: -1, b: -1 });
            (this.prog[split] as { a: number }).a = this.prog.length;
            holes = holes.concat(this.gen(items[i] as Node));
            (this.prog[split] as { b: number }).b = this.prog.length;
          }
        }
        return holes;
      }
      case 'rep': {
        let holes: [number, 'next' | 'a' | 'b'][] | null = null;
        const chain = (gen: () => [number, 'next' | 'a' | 'b'][]): void => {
          const start = this.prog.length;
          const h = gen();
          if (holes !== null) this.patch(holes, start);
          holes = h;
        };
        for (let i = 0; i < n.min; i++) chain(() => this.gen(n.sub));
        if (n.max === -1) {
          // x* : L: split body, out; body; jmp L
          chain(() => {
            const split = this.emit({ op: 'split', a: -1, b: -1 });
            (this.prog[split] as { a: number }).a = this.prog.length;
            const body = this.gen(n.sub);
            const j = this.emit({ op: 'jmp', next: split });
            void j;
            this.patch(body, split);
            return [[split, 'b']];
          });
        } else {
          const optional: [number, 'next' | 'a' | 'b'][] = [];
          for (let i = n.min; i < n.max; i++) {
            chain(() => {
              const split = this.emit({ op: 'split', a: -1, b: -1 });
              (this.prog[split] as { a: number }).a = this.prog.length;
              optional.push([split, 'b']);
              return this.gen(n.sub);
            });
          }
          if (holes === null) return this.gen({ t: 'empty' });
          return [...(holes as [number, 'next' | 'a' | 'b'][]), ...optional];
        }
        return holes ?? this.gen({ t: 'empty' });
      }
    }
  }
}

// ------------------------------------------------------------------ matching (Pike VM, no captures)

function isWord(cp: number | undefined): boolean {
  return (
    cp !== undefined &&
    ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || cp === 0x5f || (cp >= 0x61 && cp <= 0x7a))
  );
}

function assertHolds(kind: string, prev: number | undefined, next: number | undefined): boolean {
  switch (kind) {
    case 'bot':
      return prev === undefined;
    case 'eot':
      return next === undefined;
    case 'bol':
      return prev === undefined || prev === 0x0a;
    case 'eol':
      return next === undefined || next === 0x0a;
    case 'wb':
      return isWord(prev) !== isWord(next);
    default:
      return isWord(prev) === isWord(next);
  }
}

function run(prog: Inst[], input: string): boolean {
  const cps = Array.from(input, (c) => c.codePointAt(0) as number);
  let clist: number[] = [];
  let nlist: number[] = [];
  const onList = new Int32Array(prog.length).fill(-1);
  let gen = 0;

  const add = (list: number[], pc0: number, prev: number | undefined, next: number | undefined): boolean => {
    const stack = [pc0];
    while (stack.length > 0) {
      const pc = stack.pop() as number;
      if (onList[pc] === gen) continue;
      onList[pc] = gen;
      const inst = prog[pc] as Inst;
      switch (inst.op) {
        case 'match':
          return true;
        case 'jmp':
          stack.push(inst.next);
          break;
        case 'split':
          stack.push(inst.b, inst.a);
          break;
        case 'assert':
          if (assertHolds(inst.kind, prev, next)) stack.push(inst.next);
          break;
        case 'set':
          list.push(pc);
          break;
      }
    }
    return false;
  };

  for (let i = 0; i <= cps.length; i++) {
    const prev = i === 0 ? undefined : cps[i - 1];
    const cur = cps[i];
    // Unanchored search: a new thread may start at every position (Go's MatchString).
    if (add(clist, 0, prev, cur)) return true;
    if (cur === undefined) break;
    gen++;
    nlist = [];
    for (const pc of clist) {
      const inst = prog[pc] as Inst & { op: 'set' };
      if (setHas(inst.set, cur) && add(nlist, inst.next, cur, cps[i + 1])) return true;
    }
    [clist, nlist] = [nlist, clist];
  }
  return false;
}

/**
 * Compile a Go (RE2) regular expression. Returns null where Go's `regexp.Compile` would fail
 * (backreferences, lookaround, `(?<name>`, bad escapes, nested repetition, repeat > 1000, …).
 */
export function compileGoRegexp(source: string): GoRegexp | null {
  let prog: Inst[];
  try {
    const ast = new Parser(source).parse();
    const c = new Compiler();
    c.compile(ast);
    prog = c.prog;
  } catch (err) {
    if (err instanceof SyntaxErr) return null;
    throw err;
  }
  return { source, test: (input) => run(prog, input) };
}
