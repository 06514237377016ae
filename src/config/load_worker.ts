/**
 * A worker thread that reads, parses and validates config files, so that
 * a reload never stalls the event loop that relays connections (a config
 * of 20,000 hosts takes a few hundred milliseconds to parse). The result
 * comes back as a structured clone; a refused file as the error's parts.
 *
 * This module is a Worker entry point (see `load_off_thread.ts`).
 *
 * @module
 */
import { loadConfigFile } from "./load.ts";
import { ConfigError, type LoadedConfig } from "./model.ts";
import type { LoadReply, LoadRequest } from "./load_off_thread.ts";

const port = globalThis as unknown as {
  postMessage(message: LoadReply): void;
  onmessage: ((event: MessageEvent<LoadRequest>) => void) | null;
};

/**
 * Services per message: the receiving thread deserializes each message in
 * one go (and may take every queued message in one go), so a large config
 * travels in parts, each sent when the last one was taken.
 */
const SERVICES_PER_MESSAGE = 20;

/** What is left to send of the load in progress, a part per `next` request. */
let sending: { id: number; loaded: LoadedConfig; at: number } | undefined;

function sendNext(): void {
  const { id, loaded, at } = sending!;
  const services = loaded.config.services;
  if (at < services.length) {
    port.postMessage({ id, part: services.slice(at, at + SERVICES_PER_MESSAGE) });
    sending!.at += SERVICES_PER_MESSAGE;
    return;
  }
  sending = undefined;
  port.postMessage({
    id,
    ok: true,
    loaded: { ...loaded, config: { ...loaded.config, services: [] } },
  });
}

port.onmessage = ({ data }) => {
  if ("next" in data) return sendNext();
  const { id, path } = data;
  try {
    sending = { id, loaded: loadConfigFile(path), at: 0 };
    sendNext();
  } catch (error) {
    const config = error instanceof ConfigError
      ? { file: error.file, line: error.line, column: error.column }
      : undefined;
    const message = error instanceof Error ? error.message : String(error);
    port.postMessage({ id, ok: false, message, config });
  }
};
