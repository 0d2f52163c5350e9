/**
 * Which members memberlist suspects right now, told to the application as `suspicion` events.
 *
 * Serf's statuses know nothing of suspicion (a suspect member stays `alive` until it is declared
 * dead), and memberlist reports a suspicion starting but not its end — a refuting alive, or the
 * member declared dead. Watches and balancers need both edges to drop a member the moment it is
 * suspected and take it back when it refutes, so the few current suspects are looked up again
 * after every input.
 */
import type { SwimCore } from '../swim/api.js';
import type { SuspicionEvent } from './events.js';

/** See the module comment. */
export class SuspicionTracker {
  private readonly suspects = new Set<string>();

  constructor(
    private readonly selfName: string,
    private readonly emit: (e: SuspicionEvent) => void,
  ) {}

  /** memberlist raised a suspicion about `name`. */
  onSuspect(name: string): void {
    if (name === this.selfName || this.suspects.has(name)) return;
    this.suspects.add(name);
    this.emit({ type: 'suspicion', name, suspect: true });
  }

  /** After an input: any suspect no longer suspect in memberlist was cleared (refuted or dead). */
  settle(swim: Pick<SwimCore, 'member'>): void {
    for (const name of this.suspects) {
      if (swim.member(name)?.state === 'suspect') continue;
      this.suspects.delete(name);
      this.emit({ type: 'suspicion', name, suspect: false });
    }
  }

  /** Whether `name` is suspected now. */
  has(name: string): boolean {
    return this.suspects.has(name);
  }
}
