/**
 * Starting one config loader thread (`load_worker.ts`): from the main
 * thread at start, and from the spawner (`load_spawner.ts`) after that.
 * Either way the loader is handed the `MessagePort` it talks to the main
 * thread over, and a crash is reported the same way.
 *
 * It imports only `thread_error.ts`, which imports nothing, so that the
 * spawner still starts in a few milliseconds.
 *
 * @module
 */
import { threadErrorReason } from "../runtime/thread_error.ts";

/**
 * Start the loader at `url` and hand it `port`, its channel to the main
 * thread; `crashed` is told why if the thread dies. Throws if the thread
 * cannot be made.
 */
export function startLoader(
  url: string,
  port: MessagePort,
  crashed: (message: string) => void,
): Worker {
  const worker = new Worker(url, { type: "module" });
  worker.onerror = (event) => {
    event.preventDefault?.();
    crashed(threadErrorReason(event));
  };
  worker.postMessage({ port }, [port]);
  return worker;
}
