/**
 * Outgoing connections under Bun.
 *
 * The data path connects with `Bun.connect`: the socket is native from
 * the start, so the relay can wire its handlers directly (`relay.ts`), and
 * it is the fastest connect Bun has. But a pending `Bun.connect` cannot be
 * cancelled — it ignores `signal`, and the socket reaches JavaScript only
 * once connected. So a timed-out or cancelled attempt is *abandoned*: the
 * caller gets its rejection at once, and the socket is closed the moment it
 * opens, or forgotten when it fails. Until then it keeps its descriptor —
 * for a host that drops SYNs, until the kernel gives up
 * (`net.ipv4.tcp_syn_retries`, about two minutes by default). Only attempts
 * that time out are abandoned, and a host that times out is taken out of
 * rotation at once, so these are few; {@linkcode abandonedConnects} counts
 * them for the metrics.
 *
 * Probes of hosts that may be dropping SYNs (`probe: true`: recovery and
 * health checks) use `node:net` instead, whose pending connects can be
 * destroyed (`node_conn.ts`).
 *
 * @module
 */
import type { Cancel, CancelWatcher } from "../cancel.ts";
import { NetError } from "../net_error.ts";
import type { Conn, ConnectOptions } from "../types.ts";
import type { BunApi, BunSocketHandler } from "./api.ts";
import { BunConn } from "./conn.ts";
import { connHandlers } from "./relay.ts";
import { bare, toNetError } from "./errors.ts";
import { Deadlines, type Timed } from "./deadlines.ts";
import { connectNodeNet } from "./node_conn.ts";

/** One native connect in flight: the socket's `data` until it opens. */
class Attempt implements Timed, CancelWatcher {
  resolve: ((conn: Conn) => void) | undefined;
  reject: ((error: NetError) => void) | undefined;
  deadline = Infinity;
  done = false;
  timeoutMs = 0;
  /** The caller's cancel token, watched until the attempt settles. */
  cancel: Cancel | undefined;

  constructor(resolve: (conn: Conn) => void, reject: (error: NetError) => void) {
    this.resolve = resolve;
    this.reject = reject;
  }

  cancelled(): void {
    giveUp(this, new NetError("cancelled", "connect cancelled"));
  }

  expire(): void {
    giveUp(this, new NetError("timeout", `connect timeout after ${this.timeoutMs} ms`));
  }
}

/** The connect timeouts of every attempt in flight: one timer (`deadlines.ts`). */
const deadlines = new Deadlines();

let abandoned = 0;

/** Native connects given up (timeout, cancel) whose socket has not opened or failed yet. */
export function abandonedConnects(): number {
  return abandoned;
}

function settle(attempt: Attempt): void {
  attempt.resolve = attempt.reject = undefined;
  if (attempt.cancel) {
    attempt.cancel.unwatch(attempt);
    attempt.cancel = undefined;
  }
  if (!attempt.done) {
    attempt.done = true;
    if (attempt.deadline !== Infinity) deadlines.settled();
  }
}

function giveUp(attempt: Attempt, error: NetError): void {
  const reject = attempt.reject;
  if (!reject) return;
  settle(attempt);
  abandoned++;
  reject(error);
}

const relayHandlers = connHandlers(() => {});

/** Handlers for sockets from `Bun.connect`: `data` is the Attempt until `open`. */
const connectHandlers: BunSocketHandler<BunConn> = {
  ...relayHandlers,
  open(socket) {
    const attempt = socket.data as unknown as Attempt;
    const resolve = attempt.resolve;
    if (!resolve) {
      abandoned--;
      socket.terminate();
      return;
    }
    settle(attempt);
    resolve(new BunConn(socket));
  },
  connectError(socket, error) {
    const attempt = socket.data as unknown as Attempt;
    const reject = attempt.reject;
    if (!reject) {
      abandoned--;
      return;
    }
    settle(attempt);
    reject(toNetError(error));
  },
  close(socket, error) {
    if (socket.data instanceof BunConn) relayHandlers.close!(socket, error);
  },
  error(socket, error) {
    if (socket.data instanceof BunConn) relayHandlers.error!(socket, error);
  },
};

/** Connect natively (see the module doc), or through `node:net` for probes. */
export function connectBun(bun: BunApi, options: ConnectOptions): Promise<Conn> {
  if (options.probe) return connectNodeNet(options);
  const { cancel, timeoutMs } = options;
  if (cancel?.cancelled) return Promise.reject(new NetError("cancelled", "connect cancelled"));
  return new Promise((resolve, reject) => {
    const attempt = new Attempt(resolve, reject);
    if (timeoutMs !== undefined) {
      attempt.timeoutMs = timeoutMs;
      attempt.deadline = Date.now() + timeoutMs;
      deadlines.add(attempt);
    }
    if (cancel) {
      attempt.cancel = cancel;
      cancel.watch(attempt);
    }
    bun.connect<BunConn>({
      hostname: bare(options.hostname),
      port: options.port,
      allowHalfOpen: true,
      data: attempt as unknown as BunConn,
      socket: connectHandlers,
    }).catch((error) => {
      // Usually reported through connectError already; not always (a name that
      // does not resolve), so settle here if nobody did.
      const reject = attempt.reject;
      if (!reject) return;
      settle(attempt);
      reject(toNetError(error));
    });
  }) as Promise<Conn>;
}
