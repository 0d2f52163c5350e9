/** Waiting on a real node's member events in tests. */
import type { GossipNode, NodeMemberEvent } from '../../src/index.js';
import { deferred } from './wait.js';

/** Resolves with the next `type` event of node `n` about member `name` (the listener then detaches). */
export function nextMemberEvent(
  n: GossipNode,
  type: NodeMemberEvent['type'],
  name: string,
): Promise<NodeMemberEvent> {
  const d = deferred<NodeMemberEvent>();
  const on = (e: NodeMemberEvent): void => {
    if (e.member.name !== name) return;
    n.off(type, on);
    d.resolve(e);
  };
  n.on(type, on);
  return d.promise;
}
