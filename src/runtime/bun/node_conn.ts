/**
 * Probe connections under Bun, through `node:net`.
 *
 * `Bun.connect` cannot be cancelled (see `connect.ts`), and a probe of a
 * host that drops SYNs must not keep a descriptor for minutes. Bun's
 * `node:net` can: `destroy()` on a connecting socket releases it at once.
 * So probes (recovery, health checks) connect with `net.connect`, wrapped
 * as a pull-mode {@linkcode Conn}: an {@linkcode Inbox} for reads with
 * backpressure, writes that resolve once flushed. Probe connections are
 * never relayed.
 *
 * @module
 */
import net from "node:net";
import { NetError } from "../net_error.ts";
import { bare, brokenPipe, closedError, toNetError } from "./errors.ts";
import { Inbox } from "./inbox.ts";
import type { Conn, ConnectOptions, NetAddr } from "../types.ts";

/** A {@linkcode Conn} on a connected `node:net` socket. */
class NodeConn implements Conn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  #socket: net.Socket;
  #inbox: Inbox;
  #gone: NetError | undefined;
  #shut = false;
  #closed = false;
  #writes = new Set<(error: Error) => void>();

  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.localAddr = { hostname: socket.localAddress ?? "", port: socket.localPort ?? 0 };
    this.remoteAddr = { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
    const inbox = this.#inbox = new Inbox({
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    });
    socket.on("data", (chunk: Uint8Array) => inbox.push(chunk));
    socket.on("end", () => inbox.end());
    socket.on("error", (error) => this.#fail(toNetError(error)));
    // A clean close (both FINs sent) is end of stream: a read never waits on a gone socket.
    socket.on("close", () => {
      inbox.end();
      this.#fail(closedError("write"), false);
    });
  }

  read(buf: Uint8Array): Promise<number | null> {
    return this.#inbox.read(buf);
  }

  unread(data: Uint8Array): void {
    this.#inbox.unshift(data);
  }

  readAhead(_limit: number, _onGone: () => void): void {
    // Probe connections are read by their probe only; nothing to read ahead for.
  }

  /** Resolves in the write callback: `node:net` keeps `data` by reference until then. */
  writeAll(data: Uint8Array): Promise<void> {
    if (this.#shut) return Promise.reject(brokenPipe());
    if (this.#gone) return Promise.reject(this.#gone);
    if (data.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#writes.add(reject);
      this.#socket.write(data, (error) => {
        this.#writes.delete(reject);
        if (error) reject(this.#gone ?? toNetError(error));
        else resolve();
      });
    });
  }

  /** `end()` sends FIN after anything still queued; like Deno's shutdown it does not wait. */
  closeWrite(): Promise<void> {
    if (this.#gone) return Promise.reject(this.#gone);
    this.#shut = true;
    this.#socket.end();
    return Promise.resolve();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#fail(closedError("use the connection"));
    this.#socket.destroy();
  }

  setNoDelay(on: boolean): void {
    if (!this.#gone) this.#socket.setNoDelay(on);
  }

  #fail(error: NetError, reads = true): void {
    if (reads) this.#inbox.fail(error);
    if (this.#gone) return;
    this.#gone = error;
    for (const reject of this.#writes) reject(error);
    this.#writes.clear();
  }
}

/**
 * Connect with `node:net`; a timeout or a cancel destroys the
 * connecting socket at once, releasing its descriptor.
 */
export function connectNodeNet(options: ConnectOptions): Promise<Conn> {
  const { cancel, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    if (cancel?.cancelled) return reject(new NetError("cancelled", "connect cancelled"));
    const socket = net.connect({
      host: bare(options.hostname),
      port: options.port,
      allowHalfOpen: true,
    });
    const timer = timeoutMs === undefined ? undefined : setTimeout(
      () => settle(new NetError("timeout", `connect timeout after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const settle = (error?: unknown) => {
      clearTimeout(timer);
      forget();
      socket.off("connect", onConnect);
      socket.off("error", settle);
      if (error === undefined) return resolve(new NodeConn(socket));
      socket.destroy();
      reject(toNetError(error));
    };
    const onConnect = () => settle();
    // Registered last: a cancel can only come once this function has returned.
    const forget = cancel?.onCancel(() => settle(new NetError("cancelled", "connect cancelled"))) ??
      (() => {});
    socket.once("connect", onConnect);
    socket.once("error", settle);
  });
}
