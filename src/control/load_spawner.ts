/**
 * A small thread, kept for the life of the process, that starts and ends
 * the config loader threads (`load_worker.ts`) for `load_off_thread.ts`.
 *
 * Why a thread of its own: under Deno, `new Worker` blocks the thread that
 * calls it until the new thread's isolate is made and its modules loaded
 * (25–70 ms on a busy core), and the loader is started anew for the first
 * reload after it ended. Started from here, that wait falls on this thread,
 * never on the one that relays connections. The loader talks to the main
 * thread directly, over a `MessagePort` it is handed at start; this thread
 * only carries that port and the loader's crash.
 *
 * At run time it imports only `loader_thread.ts` (and that only the
 * one-function `thread_error.ts`), so that it starts in a few milliseconds.
 *
 * This module is a Worker entry point (see `load_off_thread.ts`).
 *
 * @module
 */
import type { SpawnerReply, SpawnerRequest } from "./load_off_thread.ts";
import { startLoader } from "./loader_thread.ts";

const parent = globalThis as unknown as {
  postMessage(message: SpawnerReply): void;
  onmessage: ((event: MessageEvent<SpawnerRequest>) => void) | null;
};

/** The loaders running, by the number the main thread gave each. */
const loaders = new Map<number, Worker>();

function start(id: number, url: string, port: MessagePort): void {
  const failed = (message: string) => parent.postMessage({ failed: id, message });
  try {
    loaders.set(
      id,
      startLoader(url, port, (message) => {
        loaders.delete(id);
        failed(message);
      }),
    );
  } catch (error) {
    failed((error as Error).message);
  }
}

parent.onmessage = ({ data }) => {
  if ("end" in data) {
    loaders.get(data.end)?.terminate();
    loaders.delete(data.end);
    return;
  }
  start(data.start, data.url, data.port);
};
