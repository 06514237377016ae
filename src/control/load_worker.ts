/**
 * A worker thread that reads, parses and validates config files, so that
 * a reload never stalls the event loop that relays connections (a config
 * of 20,000 hosts takes a few hundred milliseconds to parse). The result
 * comes back as a structured clone; a refused file as the error's parts.
 * For a reload it also plans: it asks for the running config, plans the
 * change to the new file and sends the edits (see `load_off_thread.ts`).
 *
 * This module is a Worker entry point (`loader_thread.ts` starts it, for
 * `load_off_thread.ts`).
 *
 * @module
 */
import type { Edit } from "../balancer/edits.ts";
import { planChanges } from "../changes/plan.ts";
import { loadConfigText, readConfigText } from "../config/load.ts";
import { ConfigError, type LoadedConfig, type ServiceConfig } from "../config/model.ts";
import { lowerThreadPriority } from "../runtime/thread_priority.ts";
import type { LoadReply, LoadRequest } from "./load_off_thread.ts";

// Parsing 20,000 hosts keeps a core busy for a few hundred milliseconds: on
// a machine where every core is taken, the relaying threads must win it.
lowerThreadPriority();

/** The channel to the main thread, handed over in the first message (`loader_thread.ts`). */
const port = await new Promise<MessagePort>((resolve) => {
  const parent = globalThis as unknown as {
    onmessage: ((event: MessageEvent<{ port: MessagePort }>) => void) | null;
  };
  parent.onmessage = ({ data }) => {
    parent.onmessage = null;
    resolve(data.port);
  };
});

/**
 * Services (or edits) per message: the receiving thread deserializes each
 * message in one go (and may take every queued message in one go), so a
 * large config travels in parts, each sent when the last one was taken.
 */
const SERVICES_PER_MESSAGE = 20;
const EDITS_PER_MESSAGE = 200;

interface Sending {
  items: ServiceConfig[] | Edit[];
  at: number;
  last: LoadReply;
}

/** What is left to send of each load in progress, a part per `next` request. */
const sending = new Map<number, Sending>();
/** The planned loads waiting for the running config (its services as JSON, in order). */
const planning = new Map<number, { loaded: LoadedConfig; running: string[] }>();

function sendNext(id: number): void {
  const load = sending.get(id);
  if (!load) return;
  const { items, at, last } = load;
  if (at < items.length) {
    const edits = "op" in items[0];
    const end = at + (edits ? EDITS_PER_MESSAGE : SERVICES_PER_MESSAGE);
    load.at = end;
    return post(
      edits
        ? { id, edits: (items as Edit[]).slice(at, end) }
        : { id, part: (items as ServiceConfig[]).slice(at, end) },
    );
  }
  sending.delete(id);
  post(last);
}

/** Send `items` in parts, then `last`. */
function send(id: number, items: ServiceConfig[] | Edit[], last: LoadReply): void {
  sending.set(id, { items, at: 0, last });
  sendNext(id);
}

function withoutServices(loaded: LoadedConfig): LoadedConfig {
  return { ...loaded, config: { ...loaded.config, services: [] } };
}

/**
 * The last document loaded here and what it gave. Loading is a function of
 * the text and its name alone (nothing else is read), so a reload of a file
 * that has not changed — a `systemctl reload` from a config manager or a
 * cron job — skips the parse and validation (most of a reload at 20,000
 * hosts) and only plans, against the running config as it is now (admin
 * calls may have changed it). Kept as long as this loader: a used one is
 * replaced a few seconds after its last load (`load_off_thread.ts`).
 */
let lastLoad: { text: string; source: string; loaded: LoadedConfig } | undefined;

function loadOnce(text: string, source: string): LoadedConfig {
  if (lastLoad?.text === text && lastLoad.source === source) return lastLoad.loaded;
  lastLoad = undefined; // let the old result go before the new parse: not two at its peak
  const loaded = loadConfigText(text, source);
  lastLoad = { text, source, loaded };
  return loaded;
}

/** Each loaded config's services as JSON, made once (a config reused by `loadOnce` keeps them). */
const servicesJson = new WeakMap<LoadedConfig, string[]>();

/**
 * The services to plan: all but those the same in both, found by comparing
 * their JSON in order (the running ones come as `Service.configJson`, the
 * same form), so an unchanged service is neither parsed nor planned — a
 * reload of 1,000 services that changes one plans one. Services that moved
 * in the order, or whose JSON differs only in form, are planned as usual.
 */
function changedServices(running: string[], loaded: LoadedConfig) {
  const next = loaded.config.services;
  let json = servicesJson.get(loaded);
  if (!json) servicesJson.set(loaded, json = next.map((s) => JSON.stringify(s)));
  const from: ServiceConfig[] = [];
  const to: ServiceConfig[] = [];
  for (let i = 0; i < Math.max(running.length, next.length); i++) {
    if (i < running.length && i < next.length && running[i] === json[i]) continue;
    if (i < running.length) from.push(JSON.parse(running[i]));
    if (i < next.length) to.push(next[i]);
  }
  return { from, to };
}

function handle(data: LoadRequest): void {
  const { id } = data;
  if ("next" in data) return sendNext(id);
  if ("running" in data) {
    planning.get(id)?.running.push(...data.running);
    return;
  }
  if ("runningRest" in data) {
    const planned = planning.get(id);
    if (!planned) return;
    planning.delete(id);
    const { from, to } = changedServices(planned.running, planned.loaded);
    const plan = planChanges(
      { ...data.runningRest, services: from },
      { ...planned.loaded.config, services: to },
    );
    return send(id, plan.edits, {
      id,
      ok: true,
      loaded: withoutServices(planned.loaded),
      plan: { ...plan, edits: [] },
    });
  }
  const loaded = "path" in data
    ? loadOnce(readConfigText(data.path), data.path)
    : loadOnce(data.text, data.source);
  if ("plan" in data && data.plan) {
    planning.set(id, { loaded, running: [] });
    return post({ id, wantRunning: true });
  }
  send(id, loaded.config.services, { id, ok: true, loaded: withoutServices(loaded) });
}

function post(reply: LoadReply): void {
  port.postMessage(reply);
}

port.onmessage = ({ data }: MessageEvent<LoadRequest>) => {
  try {
    handle(data);
  } catch (error) {
    planning.delete(data.id);
    const config = error instanceof ConfigError
      ? { file: error.file, line: error.line, column: error.column }
      : undefined;
    const message = error instanceof Error ? error.message : String(error);
    post({ id: data.id, ok: false, message, config });
  }
};
