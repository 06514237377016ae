/**
 * A cancellation token lighter than an `AbortController`: one per client
 * connection, cancelled when the client leaves while its backend connects.
 * The runtime adapters listen to it during a connect; a listener that
 * comes after the cancel runs at once.
 *
 * @module
 */
/** What {@linkcode Cancel.watch} tells. */
export interface CancelWatcher {
  cancelled(): void;
}

export class Cancel {
  #cancelled = false;
  #listeners: (CancelWatcher | (() => void))[] | undefined;

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Cancel: every listener runs once, now. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (!listeners) return;
    for (const listener of listeners) {
      if (typeof listener === "function") listener();
      else listener.cancelled();
    }
  }

  /** Run `listener` on cancel (at once if already cancelled); the returned function removes it. */
  onCancel(listener: () => void): () => void {
    if (this.#cancelled) {
      listener();
      return () => {};
    }
    (this.#listeners ??= []).push(listener);
    return () => this.unwatch(listener);
  }

  /**
   * `onCancel` for an object that is told by its `cancelled()` method: no
   * closure and no remover to allocate (one per backend connect).
   */
  watch(watcher: CancelWatcher): void {
    if (this.#cancelled) return watcher.cancelled();
    (this.#listeners ??= []).push(watcher);
  }

  /** Forget `listener` (given to `watch` or `onCancel`): it will not run. */
  unwatch(listener: CancelWatcher | (() => void)): void {
    const listeners = this.#listeners;
    if (!listeners) return;
    const at = listeners.indexOf(listener);
    if (at >= 0) listeners.splice(at, 1);
  }
}
