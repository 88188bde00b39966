/// <reference lib="webworker" />
// Solves the captcha's proof of work off the main thread, reporting progress
// so the page can say how far it is. Message in: { salt, bits }; out:
// { progress: tries } now and then, then { nonce } (or { error }).
import { Hasher, hexBytes, solve } from './pow';

declare const self: DedicatedWorkerGlobalScope;

self.onmessage = (e: MessageEvent<{ salt: string; bits: number }>) => {
  try {
    const hasher = new Hasher(hexBytes(e.data.salt));
    const step = 20_000;
    for (let from = 0; from < Number.MAX_SAFE_INTEGER; from += step) {
      const n = solve(hasher, e.data.bits, from, step);
      if (n >= 0) {
        self.postMessage({ nonce: n, tries: n + 1 });
        return;
      }
      self.postMessage({ progress: from + step });
    }
  } catch (err) {
    self.postMessage({ error: String(err) });
  }
};
