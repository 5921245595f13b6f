/**
 * Okta's peak, and every limit in front of the hook sized from it, so that Okta's own traffic is never throttled by
 * this stack (README, "Deploy", "WAF and throttling sizing").
 *
 * The documented peak: 50,000 employees signing in within 15 minutes (a Monday morning), each asking for one code.
 * Okta calls the hook from its own egress addresses: a handful per cell (Okta publishes them per cell), and nothing
 * says the load is spread evenly over them, so the per-address figures assume all of it comes from just
 * {@link OKTA_PEAK.egressAddresses} addresses. Arrivals cluster (the start of the quarter hour, a resent code), hence
 * {@link OKTA_PEAK.burstFactor}.
 *
 * ```
 * average           50,000 / 900 s                       =     55.6 requests/s, all of Okta
 * per address       55.6 / 2 addresses                   =     27.8 requests/s
 * per 5-min window  27.8 × 300 s × burst 2               = 16,667 requests → WAF limit 17,000 per address
 * stage             55.6 × burst 2 = 111 requests/s      →  rate 150/s, burst 300
 * ```
 */

/** The peak every limit is sized for. */
export const OKTA_PEAK = {
  /** Sign-ins, each asking the hook for one code. */
  signIns: 50_000,
  /** Within this many seconds. */
  windowSeconds: 15 * 60,
  /** The fewest Okta egress addresses the load may come from (a cell publishes a handful: 2 to 6). */
  egressAddresses: 2,
  /** Peak over average: arrivals cluster at the start of the window, and some users ask for a second code. */
  burstFactor: 2,
} as const;

/** Okta's average request rate at the peak, all addresses together, in requests per second. */
export function oktaPeakRequestsPerSecond(): number {
  return OKTA_PEAK.signIns / OKTA_PEAK.windowSeconds;
}

/**
 * Requests one Okta address sends within `evaluationWindowSeconds` at the peak, burst included: the floor of a WAF
 * rate-based rule that may see Okta.
 *
 * @param evaluationWindowSeconds - the rule's evaluation window (60, 120, 300 or 600)
 */
export function oktaPeakRequestsPerAddress(evaluationWindowSeconds: number): number {
  return (
    ((oktaPeakRequestsPerSecond() * evaluationWindowSeconds) / OKTA_PEAK.egressAddresses) *
    OKTA_PEAK.burstFactor
  );
}

/** WAF's rate-based rule evaluation window used here (its default; valid: 60, 120, 300, 600 s). */
export const RATE_WINDOW_SECONDS = 300;

/**
 * Per-address limit of the WAF rate rule when it may see Okta (no `oktaIpAllowList`): Okta's per-address peak in
 * {@link RATE_WINDOW_SECONDS}, rounded up to the next thousand. 17,000 for the documented peak.
 */
export function oktaSafeRateLimit(): number {
  return Math.ceil(oktaPeakRequestsPerAddress(RATE_WINDOW_SECONDS) / 1000) * 1000;
}

/**
 * Per-address limit of the WAF rate rule for callers outside `oktaIpAllowList` (the rule is scoped down to them, so
 * Okta is never counted). No legitimate caller is outside Okta's ranges; 100 per 5 minutes is also the lowest limit
 * older WAF versions accept (now 10).
 */
export const NON_OKTA_RATE_LIMIT = 100;

/**
 * API Gateway stage throttling that Okta's peak fits in: the steady rate is the burst-peak rate rounded up to the
 * next 50 requests per second (150 for the documented peak), and the bucket holds two seconds of it.
 */
export function oktaSafeStageThrottle(): { rateLimit: number; burstLimit: number } {
  const rateLimit = Math.ceil((oktaPeakRequestsPerSecond() * OKTA_PEAK.burstFactor) / 50) * 50;
  return { rateLimit, burstLimit: rateLimit * 2 };
}
