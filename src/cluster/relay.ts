/**
 * Relayed query responses (serf: serf/query.go `relayResponse`, `kRandomMembers`; reference
 * §11.7). With RelayFactor r > 0, a responder also sends its ack/response through up to r random
 * other members, each of which forwards it once to the querier; the querier drops duplicates.
 */
import type { Random } from '../core/random.js';
import type { Member } from './members.js';

/**
 * Choose up to `k` distinct relay members: alive, memberlist PMax ≥ 5, not ourselves. Like Go,
 * draws at most `3 × members` random candidates, and relays nothing when fewer than `k + 1`
 * members are known.
 */
export function pickRelayMembers(
  k: number,
  members: readonly Member[],
  selfName: string,
  random: Random,
): Member[] {
  if (k <= 0 || members.length < k + 1) return [];
  const out: Member[] = [];
  const n = members.length;
  for (let i = 0; i < 3 * n && out.length < k; i++) {
    const m = members[random.int(n)] as Member;
    if (m.status !== 'alive' || m.protocolMax < 5 || m.name === selfName) continue;
    if (out.some((o) => o.name === m.name)) continue;
    out.push(m);
  }
  return out;
}
