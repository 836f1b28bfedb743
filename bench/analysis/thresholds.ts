// The regression thresholds compare and the A/B mode judge by, in a module of their own so the
// CLI can show them as option defaults without loading the statistics.

/** Percent changes in the worse direction beyond which a significant change is a regression. */
export interface Thresholds {
  requestsPerSec: number;
  latencyP99Ms: number;
  serverCpuUsPerRequest: number;
  /** RSS is reported, never gated unless a threshold is given. */
  serverPeakRssBytes: number;
  /** Capacity at the latency objective, in a capacity run. */
  capacityRps: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  requestsPerSec: 10,
  latencyP99Ms: 25,
  serverCpuUsPerRequest: 5,
  serverPeakRssBytes: Infinity,
  capacityRps: 10,
};
