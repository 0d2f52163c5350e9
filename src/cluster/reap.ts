/**
 * Reconnect decisions (serf: serf/serf.go `reconnect`, run every ReconnectInterval, 30 s).
 * Reaping itself lives in {@link MemberTable.reap}; this file holds the probabilistic choice of a
 * failed member to re-join, so that a healed partition merges again by itself.
 */
import type { Random } from '../core/random.js';
import type { Member, MemberTable } from './members.js';

/**
 * Pick the failed member to attempt a join to this round, or undefined. With `f` failed and `a`
 * members neither failed nor left, Serf tries with probability `f / max(1, a)`, so the cluster as a
 * whole expects about one attempt per failed member per interval.
 */
export function pickReconnectTarget(table: MemberTable, random: Random): Member | undefined {
  const failed = table.failedMembers();
  if (failed.length === 0) return undefined;
  const alive = Math.max(1, table.size - failed.length - table.leftMembers().length);
  const prob = failed.length / alive;
  if (random.float() > prob) return undefined;
  const name = failed[random.int(failed.length)] as string;
  return table.get(name);
}
