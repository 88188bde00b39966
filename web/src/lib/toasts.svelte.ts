// Short messages that confirm an action or report a failure. The Toasts
// component shows them in live regions, so screen readers announce them.

export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

type Timer = (fn: () => void, ms: number) => unknown;

export class Toasts {
  items = $state<Toast[]>([]);
  private next = 1;
  private setTimer: Timer;
  /** At most this many are shown; older ones make room. */
  readonly max = 4;

  constructor(setTimer: Timer = (fn, ms) => setTimeout(fn, ms)) {
    this.setTimer = setTimer;
  }

  /** show adds a toast that goes away after ms (errors stay twice as long). */
  show(text: string, kind: ToastKind = 'info', ms = 5000): number {
    const id = this.next++;
    this.items = [...this.items, { id, kind, text }].slice(-this.max);
    this.setTimer(() => this.dismiss(id), kind === 'error' ? ms * 2 : ms);
    return id;
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
