import { describe, expect, it } from 'vitest';
import { Lanes } from './lanes.js';

describe('Lanes', () => {
  it('when more tasks arrive than there are lanes, then at most that many run at once and all finish in order of arrival', async () => {
    const lanes = new Lanes(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const release: Array<() => void> = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      lanes.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++running);
        await new Promise<void>((r) => release.push(r));
        running--;
        return i;
      }),
    );
    while (started.length < 5) {
      await new Promise((r) => setTimeout(r, 1));
      release.shift()?.();
    }
    release.forEach((r) => r());
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('when a task fails, then its lane is freed for the next', async () => {
    const lanes = new Lanes(1);
    await expect(lanes.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lanes.run(async () => 'next')).toBe('next');
  });
});
