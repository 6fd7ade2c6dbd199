import { describe, expect, it } from 'vitest';
import { alternatingRounds, describeRatio, median, roundRatios, spreadWarning } from './rounds.js';

describe('alternating rounds', () => {
  it('when three measurements run for three rounds, then the order reverses every other round and results stay in round order', async () => {
    const calls: string[] = [];
    let tick = 0;
    const measure = (name: string) => async () => {
      calls.push(name);
      return tick++;
    };
    const results = await alternatingRounds(3, { a: measure('a'), b: measure('b'), c: measure('c') });
    expect(calls).toEqual(['a', 'b', 'c', 'c', 'b', 'a', 'a', 'b', 'c']);
    expect(results).toEqual({ a: [0, 5, 6], b: [1, 4, 7], c: [2, 3, 8] });
  });

  it('when the machine slows to half speed halfway through, then the median ratio of two equal jobs stays 1, where measuring one after the other would give 0.5', async () => {
    // A job of fixed work takes 1 time unit before the slowdown and 2 after; the slowdown comes
    // after 5 jobs, in the middle of the third round, whose ratio it spoils.
    let jobs = 0;
    const job = async () => (jobs++ < 5 ? 1 : 2);
    const rounds = await alternatingRounds(6, { a: job, b: job });
    const ratios = roundRatios(rounds.a, rounds.b);
    expect(ratios.perRound).toEqual([1, 1, 0.5, 1, 1, 1]);
    expect(ratios.median).toBe(1);

    jobs = 0;
    const sequentialA = [await job(), await job(), await job(), await job(), await job(), await job()];
    const sequentialB = [await job(), await job(), await job(), await job(), await job(), await job()];
    expect(median(sequentialA) / median(sequentialB)).toBe(0.5);
  });

  it('when rounds is not a positive integer, then it refuses', async () => {
    await expect(alternatingRounds(0, { a: async () => 1 })).rejects.toThrow(/positive integer/);
  });
});

describe('round ratios', () => {
  it('when rounds disagree, then the ratio per round, the median and the spread relative to the median are given', () => {
    const ratios = roundRatios([9, 10, 12], [10, 10, 10]);
    expect(ratios.perRound).toEqual([0.9, 1, 1.2]);
    expect(ratios.median).toBe(1);
    expect(ratios.spread).toBeCloseTo(0.3, 10);
    expect(describeRatio('(b)/(a)', ratios)).toBe('(b)/(a): median 1.00 (rounds 0.90, 1.00, 1.20; spread 30%)');
  });

  it('when the count is even, then the median is the upper of the two middle values', () => {
    expect(median([4, 1, 3, 2])).toBe(3);
  });

  it('when the spread is within the limit, then there is no warning; when beyond it, the warning names the ratio and the limit', () => {
    const close = roundRatios([0.95, 1, 1.05], [1, 1, 1]);
    const apart = roundRatios([0.4, 0.6, 0.8], [1, 1, 1]);
    expect(spreadWarning('(b)/(a)', close, 0.15)).toBeUndefined();
    expect(spreadWarning('(b)/(a)', apart, 0.15)).toMatch(
      /^WARNING: \(b\)\/\(a\) spread 67% exceeds 15%.*do not trust/,
    );
  });
});
