/**
 * Tunables of the Vivaldi network-coordinate client, with serf 0.9.4's defaults
 * (serf: coordinate/config.go `DefaultConfig`). A node must use the same dimensionality as every
 * Serf agent it exchanges coordinates with: an ack carrying a vector of another length is rejected.
 *
 * References cited below:
 * [1] Dabek et al., "Vivaldi: A decentralized network coordinate system", SIGCOMM 2004.
 * [2] Ledlie, Gardner, Seltzer, "Network Coordinates in the Wild", NSDI 2007.
 * [3] Lee et al., "On suitability of Euclidean embedding for host-based network coordinate
 *     systems", IEEE/ACM ToN 18(1), 2010.
 */
import { ConfigError } from '../../wire/errors.js';

/** The complete, frozen configuration of a {@link VivaldiClient}. */
export interface VivaldiConfig {
  /** Euclidean dimensions. Default 8 (plus the height), as [2] recommends and serf uses. */
  readonly dimensionality: number;
  /** Error of a node with no observations, and the ceiling of the error. Default 1.5. */
  readonly errorMax: number;
  /** Largest share of one observation in the error estimate (`c_e` in [1]). Default 0.25. */
  readonly ce: number;
  /** Largest share of one observation in the position (`c_c` in [1]). Default 0.25. */
  readonly cc: number;
  /**
   * Samples kept for the adjustment term of [3] (the mean of `rtt − raw distance`, halved).
   * Default 20; 0 turns the adjustment off.
   */
  readonly adjustmentWindowSize: number;
  /** Floor of the height (seconds): the height must stay positive. Default 10e-6. */
  readonly heightMin: number;
  /** Round trips per peer whose median is used, to ride out one-off spikes ([2]). Default 3. */
  readonly latencyFilterSize: number;
  /** Gravity towards the origin against drift ([2]); larger is weaker. Default 150. */
  readonly gravityRho: number;
}

/** serf's `coordinate.DefaultConfig()`. */
export const DEFAULT_VIVALDI_CONFIG: VivaldiConfig = Object.freeze({
  dimensionality: 8,
  errorMax: 1.5,
  ce: 0.25,
  cc: 0.25,
  adjustmentWindowSize: 20,
  heightMin: 10.0e-6,
  latencyFilterSize: 3,
  gravityRho: 150.0,
});

/**
 * Complete `partial` with serf's defaults and check it. Every problem is reported at once in one
 * {@link ConfigError}.
 */
export function resolveVivaldiConfig(partial: Partial<VivaldiConfig> = {}): VivaldiConfig {
  const c: VivaldiConfig = { ...DEFAULT_VIVALDI_CONFIG, ...partial };
  const problems: string[] = [];
  const int = (k: keyof VivaldiConfig, min: number): void => {
    const v = c[k];
    if (!Number.isInteger(v) || v < min) problems.push(`${k}: must be an integer ≥ ${min}`);
  };
  const num = (k: keyof VivaldiConfig, ok: (v: number) => boolean, what: string): void => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) problems.push(`${k}: must be ${what}`);
  };
  // serf's NewClient refuses a dimensionality of 0.
  int('dimensionality', 1);
  int('adjustmentWindowSize', 0);
  int('latencyFilterSize', 1);
  num('errorMax', (v) => v > 0, '> 0');
  num('ce', (v) => v > 0 && v <= 1, 'in (0, 1]');
  num('cc', (v) => v > 0 && v <= 1, 'in (0, 1]');
  num('heightMin', (v) => v >= 0, '≥ 0');
  num('gravityRho', (v) => v > 0, '> 0');
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(c);
}
