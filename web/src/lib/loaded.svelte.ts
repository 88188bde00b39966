// One report's answer on a screen: its data, whether it is loading, and
// the error of the last try. A reload can keep the data on screen while it
// runs (a live refresh), so the chart does not blink; only the answer to
// the latest request is kept.

export class Loaded<T> {
  data = $state.raw<T | null>(null);
  error = $state.raw<unknown>(null);
  loading = $state(false);
  #seq = 0;

  constructor(private fetcher: (signal: AbortSignal) => Promise<T>) {}
  #abort: AbortController | null = null;

  /** load asks again; keep leaves the data shown until the answer comes. */
  async load(keep = false): Promise<void> {
    const n = ++this.#seq;
    this.#abort?.abort();
    const ctl = new AbortController();
    this.#abort = ctl;
    if (!keep) this.data = null;
    this.loading = true;
    try {
      const d = await this.fetcher(ctl.signal);
      if (n !== this.#seq) return;
      this.data = d;
      this.error = null;
    } catch (err) {
      if (n !== this.#seq) return;
      // A refresh that fails keeps what was shown; the next one may do better.
      if (keep && this.data !== null) return;
      this.error = err;
    } finally {
      if (n === this.#seq) this.loading = false;
    }
  }

  /** reset forgets the data (nothing to ask for). */
  reset(): void {
    this.#seq++;
    this.#abort?.abort();
    this.data = null;
    this.error = null;
    this.loading = false;
  }
}
