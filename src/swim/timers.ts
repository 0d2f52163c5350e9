/**
 * Every deadline the SWIM core arms, as typed data in its one {@link DeadlineHeap}. `popDue` hands
 * back the key as armed, so `Swim.tick` dispatches on `kind` and nobody parses a string.
 */
import { DeadlineHeap } from '../core/deadlines.js';

/** A SWIM deadline. */
export type SwimTimer =
  /** The next probe round (state.go probe ticker). */
  | { readonly kind: 'probe' }
  /** The in-flight probe's next step: the direct-ack timeout, then the end of its window. */
  | { readonly kind: 'probe-step' }
  /** The next gossip round (state.go gossip ticker). */
  | { readonly kind: 'gossip' }
  /** The next periodic push-pull (state.go pushPull ticker). */
  | { readonly kind: 'push-pull' }
  /** A graceful leave's broadcast timeout. */
  | { readonly kind: 'leave' }
  /** An indirect probe we relay for someone: its ack timeout (net.go handleIndirectPing). */
  | { readonly kind: 'relay'; readonly seqNo: number }
  /** A suspicion's timeout (suspicion.go). */
  | { readonly kind: 'suspect'; readonly node: string };

/** The fixed timers, one frozen value each (no allocation per arming). */
export const PROBE_TIMER: SwimTimer = Object.freeze({ kind: 'probe' });
export const PROBE_STEP_TIMER: SwimTimer = Object.freeze({ kind: 'probe-step' });
export const GOSSIP_TIMER: SwimTimer = Object.freeze({ kind: 'gossip' });
export const PUSH_PULL_TIMER: SwimTimer = Object.freeze({ kind: 'push-pull' });
export const LEAVE_TIMER: SwimTimer = Object.freeze({ kind: 'leave' });

/** The suspicion timer of `node`. */
export function suspectTimer(node: string): SwimTimer {
  return { kind: 'suspect', node };
}

/** The timeout of the indirect probe we relay under `seqNo`. */
export function relayTimer(seqNo: number): SwimTimer {
  return { kind: 'relay', seqNo };
}

/** A timer's identity in the heap: the fixed ones by kind, the others by kind and subject. */
function identify(t: SwimTimer): string {
  switch (t.kind) {
    case 'suspect':
      return `suspect:${t.node}`;
    case 'relay':
      return `relay:${t.seqNo}`;
    default:
      return t.kind;
  }
}

/** The SWIM core's deadline heap. */
export type SwimDeadlines = DeadlineHeap<SwimTimer>;

/** A new, empty SWIM deadline heap. */
export function createSwimDeadlines(): SwimDeadlines {
  return new DeadlineHeap<SwimTimer>(identify);
}
