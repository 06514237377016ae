/**
 * Clients for the traffic-policy tests: connections from a chosen local
 * address (Linux routes all of 127.0.0.0/8 to the loopback interface, so
 * a client may bind any of them, and `::1`), and what each one observed.
 *
 * @module
 */
import net from "node:net";
import { within } from "./harness.ts";

export interface Outcome {
  /** What the client read before the connection ended. */
  data: string;
  /** How it ended: the peer's FIN, or a reset/error. */
  end: "fin" | "error";
}

/**
 * Connect to `port` on `host` from `from`, send `data` (if any) without
 * half-closing, and read until the connection ends (within `ms`).
 */
export function talkFrom(
  from: string,
  port: number,
  data = "",
  options: { host?: string; ms?: number; halfClose?: boolean } = {},
): Promise<Outcome> {
  const host = options.host ?? (from.includes(":") ? "::1" : "127.0.0.1");
  const socket = net.connect({ port, host, localAddress: from, allowHalfOpen: true });
  const chunks: Buffer[] = [];
  const done = new Promise<Outcome>((resolve) => {
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.once("end", () => resolve({ data: Buffer.concat(chunks).toString(), end: "fin" }));
    socket.once("error", () => resolve({ data: Buffer.concat(chunks).toString(), end: "error" }));
  });
  socket.once("connect", () => {
    if (data) socket.write(data);
    if (options.halfClose) socket.end();
  });
  return within(options.ms ?? 10_000, done, `client from ${from}`).finally(() => socket.destroy());
}

/** Open a connection from `from` and keep it; resolves once the first bytes arrive. */
export function holdFrom(
  from: string,
  port: number,
  ms = 10_000,
): Promise<{ socket: net.Socket; first: string }> {
  const socket = net.connect({ port, host: "127.0.0.1", localAddress: from, allowHalfOpen: true });
  const first = new Promise<string>((resolve, reject) => {
    socket.once("data", (d: Buffer) => resolve(d.toString()));
    socket.once("end", () => reject(new Error(`connection from ${from} ended without data`)));
    socket.once("error", reject);
  });
  return within(ms, first, `first bytes for ${from}`).then(
    (text) => ({ socket, first: text }),
    (error) => {
      socket.destroy();
      throw error;
    },
  );
}
