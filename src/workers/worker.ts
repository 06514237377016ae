/**
 * A worker process (`director --worker N`, started by the supervisor):
 * the data plane of a multi-process Director.
 *
 * It receives the running config and host state from the supervisor on
 * standard input, listens on every service address with SO_REUSEPORT (the
 * kernel spreads new connections across the workers), applies the change
 * calls the supervisor broadcasts, tells it about hosts it found bad, and
 * reports its counters when asked. Recovery, health checks and the admin
 * server run once, in the supervisor.
 *
 * @module
 */
import process from "node:process";
import { ACTIONS } from "../admin/actions.ts";
import { ActionError } from "../admin/action_support.ts";
import { Director } from "../director.ts";
import { errorMessage, Logger } from "../log.ts";
import type { Runtime } from "../runtime/types.ts";
import {
  type FromWorker,
  hostKey,
  type HostName,
  line,
  readMessages,
  type ToWorker,
  type WorkerStats,
} from "./channel.ts";

function send(message: FromWorker): void {
  process.stdout.write(line(message));
}

function find(director: Director, ref: HostName) {
  const service = director.balancer.service(ref.service);
  const group = service?.group(ref.group);
  const host = group?.findHost(ref.host);
  return service && group && host ? { service, group, host } : undefined;
}

function stats(director: Director): WorkerStats {
  const hosts: WorkerStats["hosts"] = {};
  for (const { service, group, host } of director.balancer.hosts()) {
    hosts[hostKey({ service: service.name, group: group.name, host: host.name })] = {
      open: host.open,
      total: host.total,
      started: host.started,
      bytesIn: host.bytesIn,
      bytesOut: host.bytesOut,
      failures: host.failures,
      failuresByKind: { ...host.failuresByKind },
    };
  }
  return { connections: director.connections.open, hosts };
}

/** Run as worker `index`; the first message on stdin is the init. */
export async function runWorker(runtime: Runtime, index: number): Promise<void> {
  let director: Director | undefined;
  const handle = async (message: ToWorker) => {
    if (message.type === "init") {
      const loaded = { config: message.config, warnings: [], source: message.source, text: "" };
      const log = new Logger({ file: loaded.config.logging.file, fields: { worker: index } });
      director = new Director({
        runtime,
        log,
        loaded,
        configPath: message.configPath,
        worker: true,
      });
      director.balancer.onBad = (ref, reason) =>
        send({
          type: "hostBad",
          ref: { service: ref.service.name, group: ref.group.name, host: ref.host.name },
          reason,
        });
      for (const bad of message.bad) {
        const ref = find(director, bad.ref);
        if (ref) director.balancer.adoptBad(ref, bad.reason);
      }
      for (const down of message.adminDown) {
        const ref = find(director, down);
        if (ref) ref.host.adminDown = true;
      }
      try {
        director.start();
      } catch (error) {
        log.error("worker_start_failed", { reason: errorMessage(error) });
        return runtime.exit(1);
      }
      send({ type: "ready", pid: runtime.pid() });
      return;
    }
    if (!director) return;
    switch (message.type) {
      case "call": {
        const params = message.params;
        try {
          const text = await ACTIONS[message.action]({
            director,
            params: (k) => params[k],
            user: "supervisor",
          });
          send({ type: "reply", id: message.id, ok: true, message: text });
        } catch (error) {
          const status = error instanceof ActionError ? error.status : 500;
          send({ type: "reply", id: message.id, ok: false, status, message: errorMessage(error) });
        }
        return;
      }
      case "stats":
        return send({ type: "stats", id: message.id, stats: stats(director) });
      case "markBad": {
        const ref = find(director, message.ref);
        if (ref) director.balancer.adoptBad(ref, message.reason);
        return;
      }
      case "markUp": {
        const ref = find(director, message.ref);
        if (ref) director.balancer.markUp(ref, message.why);
        return;
      }
      case "adminDown": {
        const ref = find(director, message.ref);
        if (ref) ref.host.adminDown = message.down;
        return;
      }
    }
  };

  let draining = false;
  const drain = async () => {
    if (draining) return runtime.exit(1);
    draining = true;
    await director?.drain();
    director?.log.close();
    runtime.exit(0);
  };
  runtime.onSignal("SIGTERM", () => void drain());
  runtime.onSignal("SIGINT", () => {}); // the supervisor decides; a terminal's ^C reaches everyone
  runtime.onSignal("SIGHUP", () => {});
  runtime.onSignal("SIGUSR1", () => director?.log.reopen());
  // Messages are handled one at a time, in order: a change never overtakes another.
  let queue = Promise.resolve();
  await readMessages<ToWorker>(process.stdin, (message) => {
    queue = queue.then(() => handle(message)).catch(() => {});
  });
  // The supervisor is gone (stdin closed): finish what is open and leave.
  await queue;
  await drain();
}
