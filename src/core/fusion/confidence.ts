/**
 * The probability that two gated tracks are one object, from the likelihood of their separation
 * (docs/fusion.md, "Confidence"): Λ = N(Δ; 0, S) / β, the Gaussian likelihood of the offset Δ
 * under "one object, both measured with their covariances" (S = Pa + Pb, time-aligned) against the
 * density β = 1 / (π g²) of an unrelated track anywhere within the metres gate g, and
 * P = Λ / (1 + Λ) with even prior odds. The same likelihood as the association cost (gate.ts
 * pairCost: d² + ln det S): a pair that association prefers is one this calls more likely.
 * `d2` = Δᵀ S⁻¹ Δ, `lnDet` = ln det S.
 */
export function associationProbability(d2: number, lnDet: number, gateMeters: number): number {
  // ln Λ = −d²/2 − ln det S / 2 − ln 2π + ln π g².
  const lnLambda = -(d2 + lnDet) / 2 - Math.LN2 + 2 * Math.log(gateMeters);
  if (!Number.isFinite(lnLambda)) return lnLambda > 0 ? 1 : 0;
  return 1 / (1 + Math.exp(-lnLambda));
}
