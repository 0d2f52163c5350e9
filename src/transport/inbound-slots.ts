/**
 * Who may hold one of the listener's inbound stream slots, and for how long without saying
 * anything (issue 11, defect 5). memberlist caps concurrent inbound streams at 128 and closes the
 * rest at once, so one client holding 128 idle connections blocked every join, push-pull and
 * fallback probe until its connections timed out (10 s), and could renew them forever.
 *
 * - **Fair slots.** When every slot is taken, a connection from a source (IP) that holds fewer
 *   slots than the largest holder takes the slot of that holder's oldest connection not yet being
 *   answered: a real peer's request completes in milliseconds, an attacker's idle or dripping
 *   one is old. A source already holding as many as anyone is refused, as memberlist refuses.
 * - **Header deadline.** A connection must deliver its message header (wire's
 *   `StreamFramer.headerDone`) soon after it is accepted: real peers write their request as soon
 *   as they connect. The deadline is learnt from the headers seen so far — a slowly decaying
 *   maximum of their delays, times 3, plus 100 ms — within [250 ms, 2 s], 500 ms until the
 *   first one.
 */

/** One connection holding a slot. */
export interface Slot {
  readonly ip: string;
  /** When it was accepted (ms, the listener's clock). */
  readonly acceptedMs: number;
  /** Its request is complete and being answered: never evicted. */
  replying: boolean;
  /** Close it (called at most once, when another source takes its slot). */
  readonly evict: () => void;
}

/** See the module comment. */
export class InboundSlots {
  readonly max: number;
  readonly #bySource = new Map<string, Set<Slot>>();
  #count = 0;

  constructor(max: number) {
    this.max = max;
  }

  /** Connections holding a slot. */
  get count(): number {
    return this.#count;
  }

  /** Slots held by `ip`. */
  heldBy(ip: string): number {
    return this.#bySource.get(ip)?.size ?? 0;
  }

  /**
   * A slot for a new connection from `ip`, taken from the largest holder if all are in use (its
   * victim is released and evicted here); `undefined` when `ip` must be refused.
   */
  admit(ip: string, now: number, evict: () => void): { slot: Slot; evicted: Slot | undefined } | undefined {
    let evicted: Slot | undefined;
    if (this.#count >= this.max) {
      evicted = this.#victimFor(ip);
      if (evicted === undefined) return undefined;
      this.release(evicted);
      evicted.evict();
    }
    const slot: Slot = { ip, acceptedMs: now, replying: false, evict };
    let set = this.#bySource.get(ip);
    if (set === undefined) {
      set = new Set();
      this.#bySource.set(ip, set);
    }
    set.add(slot);
    this.#count++;
    return { slot, evicted };
  }

  /** The connection is gone (idempotent). */
  release(slot: Slot): void {
    const set = this.#bySource.get(slot.ip);
    if (set === undefined || !set.delete(slot)) return;
    this.#count--;
    if (set.size === 0) this.#bySource.delete(slot.ip);
  }

  /** The oldest evictable connection of the largest holder, if it holds more than `ip` would. */
  #victimFor(ip: string): Slot | undefined {
    const mine = this.heldBy(ip) + 1;
    let best: Slot | undefined;
    let bestHeld = 0;
    for (const [source, set] of this.#bySource) {
      if (source === ip || set.size < mine || set.size < bestHeld) continue;
      for (const s of set) {
        if (s.replying) continue;
        if (set.size > bestHeld || best === undefined || s.acceptedMs < best.acceptedMs) {
          best = s;
          bestHeld = set.size;
        }
      }
    }
    return best;
  }
}

const HEADER_DEADLINE_MIN_MS = 250;
const HEADER_DEADLINE_MAX_MS = 2_000;
const HEADER_DEADLINE_FIRST_MS = 500;

/** The learnt header deadline (see the module comment). */
export class HeaderDeadline {
  #slowest: number | undefined;

  /** A header arrived `ms` after its connection was accepted. */
  observe(ms: number): void {
    this.#slowest = this.#slowest === undefined ? ms : Math.max(ms, this.#slowest * 0.9);
  }

  /** How long a new connection may take to deliver its header. */
  get ms(): number {
    if (this.#slowest === undefined) return HEADER_DEADLINE_FIRST_MS;
    return Math.min(HEADER_DEADLINE_MAX_MS, Math.max(HEADER_DEADLINE_MIN_MS, 3 * this.#slowest + 100));
  }
}
