/**
 * A worker thread: one data plane of a multi-threaded Director
 * (`workers="N"`). It maps the main thread's arena, builds its copy of the
 * model from the running config and placements it is sent, listens on
 * every service address with SO_REUSEPORT (the kernel spreads new
 * connections over the threads), applies the edits the main thread sends
 * (in order, each batch at once), tells the main thread about hosts it
 * found bad, and drains when told to. Recovery, health checks and the
 * admin run once, in the main thread.
 *
 * This module is a Worker entry point (see `pool.ts`).
 *
 * @module
 */
import { Balancer } from "../balancer/balancer.ts";
import { errorMessage, Logger } from "../log.ts";
import { DataPlane } from "../proxy/data_plane.ts";
import { loadRuntime } from "../runtime/mod.ts";
import { Arena } from "../state/arena.ts";
import type { FromWorker, ToWorker } from "./messages.ts";

const port = globalThis as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
const send = (message: FromWorker) => port.postMessage(message);
let plane: DataPlane | undefined;
let log: Logger | undefined;
/** Messages that arrived while the runtime adapter was still loading. */
const early: ToWorker[] = [];
let loaded = false;
port.onmessage = ({ data }) => loaded ? handle(data) : early.push(data);
const runtime = await loadRuntime();

function start(init: Extract<ToWorker, { type: "init" }>): void {
  log = new Logger({ file: init.config.logging.file, fields: { worker: init.index } });
  const model = new Balancer(
    init.config,
    log,
    { arena: Arena.attach(init.arena, init.index), worker: init.index },
    { placements: init.placements },
  );
  model.onBad = (ref, reason) =>
    send({
      type: "hostBad",
      service: ref.service.name,
      group: ref.group.name,
      host: ref.host.name,
      reason,
    });
  plane = new DataPlane({
    runtime,
    model,
    log,
    reusePort: true,
    defaultMaxconn: init.defaultMaxconn,
    logging: init.config.logging,
  });
  try {
    plane.start();
  } catch (error) {
    send({ type: "failed", reason: errorMessage(error) });
    return;
  }
  send({ type: "ready" });
}

/** Run one request and answer it; a refusal carries its reason. */
async function answer(id: number, work: () => void | Promise<void>): Promise<void> {
  try {
    await work();
    send({ type: "reply", id, ok: true });
  } catch (error) {
    send({ type: "reply", id, ok: false, error: errorMessage(error) });
  }
}

// Messages are handled one at a time, in order: a change never overtakes
// another, even while a large one is applied in slices.
let queue = Promise.resolve();
function handle(message: ToWorker): void {
  queue = queue.then(() => handleOne(message));
}

function handleOne(message: ToWorker): void | Promise<void> {
  if (message.type === "init") return start(message);
  if (!plane) return;
  switch (message.type) {
    case "prepare":
      return answer(message.id, () => plane!.prepare(message.binds));
    case "abort":
      return answer(message.id, () => plane!.abortPrepared());
    case "close":
      return answer(message.id, () => plane!.close());
    case "apply":
      return answer(message.id, () => plane!.apply(message.edits));
    case "logging":
      return plane.setLogging(message.logging);
    case "reopen":
      log?.reopen();
      return plane.reopenLogs();
    case "drain":
      void plane.drain().then(() => {
        log?.close();
        send({ type: "drained" });
      });
  }
}
loaded = true;
for (const message of early.splice(0)) handle(message);
