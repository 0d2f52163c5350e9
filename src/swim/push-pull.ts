/**
 * Push-pull anti-entropy timing (memberlist util.go pushPullScale). The exchange itself lives in
 * swim.ts (streams) and membership.ts (merge rules and the protocol version check).
 */

/** Below this many members the push-pull interval is not scaled (util.go pushPullScaleThreshold). */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/**
 * The periodic push-pull interval for `n` known members: unchanged up to 32, then multiplied by
 * `ceil(log2(n) − log2(32)) + 1` (33–64 → ×2, 65–128 → ×3, …) so that the total state-exchange
 * traffic of a cluster grows only logarithmically.
 */
export function pushPullScaleMs(intervalMs: number, n: number): number {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return intervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * intervalMs;
}
