/** At most `size` tasks at once; the rest wait their turn in order. */
export class Lanes {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {
    if (!(size >= 1)) throw new Error(`lanes need a size of at least 1, not ${size}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // Hand the lane straight to the next waiter, so it is never counted free in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
