/**
 * A cancellation token lighter than an `AbortController`: one per client
 * connection, cancelled when the client leaves while its backend connects.
 * The runtime adapters listen to it during a connect; a listener that
 * comes after the cancel runs at once.
 *
 * @module
 */
export class Cancel {
  #cancelled = false;
  #listeners: (() => void)[] | undefined;

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Cancel: every listener runs once, now. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) { for (const listener of listeners) listener(); }
  }

  /** Run `listener` on cancel (at once if already cancelled); the returned function removes it. */
  onCancel(listener: () => void): () => void {
    if (this.#cancelled) {
      listener();
      return () => {};
    }
    (this.#listeners ??= []).push(listener);
    return () => {
      const at = this.#listeners?.indexOf(listener) ?? -1;
      if (at >= 0) this.#listeners!.splice(at, 1);
    };
  }
}
