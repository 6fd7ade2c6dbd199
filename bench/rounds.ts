/**
 * Comparisons that hold on a busy machine. Measuring A fully and then B lets load that comes and
 * goes between the two phases move their ratio; measuring A and B in alternating rounds (A B, B A,
 * A B, …) puts both under the same load within each round, so each round gives its own ratio, and
 * the median and spread of those ratios say what the comparison is and how far to trust it.
 */

/** The upper of the two middle values for an even count (what bench:model has always reported). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('the median of no values');
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/**
 * Runs every measurement once per round, in the given order in even rounds and reversed in odd
 * ones, so neither side always runs first on a cooler or warmer machine. Each measurement returns
 * one number (a time, a rate); the result has each one's numbers in round order.
 */
export async function alternatingRounds<K extends string>(
  rounds: number,
  measurements: Record<K, () => Promise<number>>,
): Promise<Record<K, number[]>> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, not ${rounds}`);
  const names = Object.keys(measurements) as K[];
  const results = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) results[name].push(await measurements[name]());
  }
  return results;
}

export interface RoundRatios {
  perRound: number[];
  median: number;
  /** (largest − smallest) ÷ median: how far apart the rounds landed, relative to the answer. */
  spread: number;
}

/** The ratio numerator ÷ denominator of each round, their median and their spread. */
export function roundRatios(numerators: readonly number[], denominators: readonly number[]): RoundRatios {
  if (numerators.length !== denominators.length)
    throw new Error(`${numerators.length} numerators for ${denominators.length} denominators`);
  const perRound = numerators.map((n, i) => n / denominators[i]!);
  const middle = median(perRound);
  return { perRound, median: middle, spread: (Math.max(...perRound) - Math.min(...perRound)) / middle };
}

/** One line: the median, every round's ratio and the spread. */
export function describeRatio(label: string, ratios: RoundRatios, digits = 2): string {
  return `${label}: median ${ratios.median.toFixed(digits)} (rounds ${ratios.perRound.map((r) => r.toFixed(digits)).join(', ')}; spread ${(ratios.spread * 100).toFixed(0)}%)`;
}

/** A line to print when the rounds disagree by more than `maxSpread`; undefined when they agree. */
export function spreadWarning(label: string, ratios: RoundRatios, maxSpread: number): string | undefined {
  if (ratios.spread <= maxSpread) return undefined;
  return `WARNING: ${label} spread ${(ratios.spread * 100).toFixed(0)}% exceeds ${(maxSpread * 100).toFixed(0)}%: the machine's load changed during the run, so do not trust this ratio; run again on a quieter machine`;
}
