/**
 * One DNS exchange with one nameserver: a query over UDP (node:dgram) or
 * TCP (node:net, 2-byte length prefix, RFC 1035 §4.2.2), within a deadline.
 *
 * UDP uses a new socket per query, so each query has its own random source
 * port from the OS as well as a random id. Datagrams from any other address
 * or port, or that `accept` refuses (wrong id or question), are dropped and
 * the wait goes on: a stray or forged packet must not end a query.
 *
 * @module
 */
import dgram from "node:dgram";
import net from "node:net";
import { addressKey } from "../policy/cidr.ts";
import type { Nameserver } from "./nameservers.ts";

export type ExchangeOutcome =
  | { kind: "response"; bytes: Uint8Array }
  | { kind: "timeout" }
  | { kind: "error"; reason: string };

/** Sends `query` and waits for the first datagram from `server` that `accept` takes. */
export function exchangeUdp(
  server: Nameserver,
  query: Uint8Array,
  timeoutMs: number,
  accept: (bytes: Uint8Array) => boolean,
): Promise<ExchangeOutcome> {
  const expected = addressKey(server.host)!;
  const fromServer = (address: string, port: number) => {
    const key = addressKey(address);
    return port === server.port && key !== undefined && key.every((w, i) => w === expected[i]);
  };
  return new Promise((resolve) => {
    const socket = dgram.createSocket(server.family === 6 ? "udp6" : "udp4");
    let done = false;
    const finish = (outcome: ExchangeOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: "timeout" }), timeoutMs);
    socket.on("message", (message: Uint8Array, remote: dgram.RemoteInfo) => {
      const bytes = new Uint8Array(message);
      if (fromServer(remote.address, remote.port) && accept(bytes)) {
        finish({ kind: "response", bytes });
      }
    });
    socket.on("error", (error: Error) => finish({ kind: "error", reason: error.message }));
    socket.send(query, server.port, server.host, (error) => {
      if (error) finish({ kind: "error", reason: error.message });
    });
  });
}

/** Sends `query` over a new TCP connection and reads the one response. */
export function exchangeTcp(
  server: Nameserver,
  query: Uint8Array,
  timeoutMs: number,
): Promise<ExchangeOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let received = new Uint8Array(0);
    let done = false;
    const finish = (outcome: ExchangeOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: "timeout" }), timeoutMs);
    socket.on("connect", () => {
      const framed = new Uint8Array(2 + query.length);
      framed.set([query.length >> 8, query.length & 0xff]);
      framed.set(query, 2);
      socket.write(framed);
    });
    socket.on("data", (chunk: Uint8Array) => {
      const joined = new Uint8Array(received.length + chunk.length);
      joined.set(received);
      joined.set(chunk, received.length);
      received = joined;
      const length = received.length >= 2 ? received[0] << 8 | received[1] : -1;
      if (length >= 0 && received.length >= 2 + length) {
        finish({ kind: "response", bytes: received.slice(2, 2 + length) });
      }
    });
    socket.on(
      "error",
      (error: Error) => finish({ kind: "error", reason: `TCP: ${error.message}` }),
    );
    socket.on(
      "close",
      () => finish({ kind: "error", reason: "TCP closed before a whole response" }),
    );
  });
}
