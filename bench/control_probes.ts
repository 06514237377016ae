/**
 * What the control-plane benchmark talks to Director with, all inside the
 * bench process (on the load CPU): an admin client that times each request,
 * the echo backend behind the config's extra service, and the echo probe
 * that holds one connection through Director and times each round trip.
 *
 * @module
 */
import { sleep } from "./proc.ts";

export interface Timed {
  ms: number;
  status: number;
  bytes: number;
  /** The answer's text, or its first {@linkcode KEPT_BYTES} or so for a large one. */
  body: string;
}

/** How much of an answer is kept as `Timed.body` (the answers the bench reads are small). */
const KEPT_BYTES = 64 * 1024;

/** HTTP Basic-authenticated GETs to Director's admin server, each timed to the last byte. */
export class AdminClient {
  readonly #base: string;
  readonly #auth: string;

  constructor(port: number, user: string, password: string) {
    this.#base = `http://127.0.0.1:${port}`;
    this.#auth = `Basic ${btoa(`${user}:${password}`)}`;
  }

  async get(path: string, timeoutMs: number): Promise<Timed> {
    const t0 = performance.now();
    const response = await fetch(`${this.#base}${path}`, {
      headers: { Authorization: this.#auth },
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Counted as it arrives, and only the start kept: gathering 32 MB of
    // /metrics into one buffer cost the bench itself tens of milliseconds,
    // more than in proportion to the size, and that was in the figure.
    let bytes = 0;
    const kept: Uint8Array[] = [];
    for await (const chunk of response.body ?? []) {
      if (bytes < KEPT_BYTES) kept.push(chunk);
      bytes += chunk.length;
    }
    const ms = performance.now() - t0;
    const decoder = new TextDecoder();
    const body = kept.map((c) => decoder.decode(c, { stream: true })).join("") + decoder.decode();
    return { ms, status: response.status, bytes, body };
  }

  /** A GET that must answer 200; throws with the answer otherwise. */
  async ok(path: string, timeoutMs: number): Promise<Timed> {
    const r = await this.get(path, timeoutMs);
    if (r.status !== 200) {
      throw new Error(`GET ${path.split("?")[0]}: ${r.status} ${r.body.trim().slice(0, 200)}`);
    }
    return r;
  }
}

/** An echo server on 127.0.0.1 (the extra service's backend). */
export function startEchoBackend(): { port: number; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.TcpConn>();
  (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      conn.readable.pipeTo(conn.writable).catch(() => {}).finally(() => conns.delete(conn));
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close: () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Closed by the pipe already.
        }
      }
    },
  };
}

export interface EchoResult {
  /** Round trips completed. */
  count: number;
  maxMs: number;
  medianMs: number;
  /** Set when the connection broke or an echo did not come back within the deadline. */
  lost?: string;
}

/**
 * One connection through Director: every `intervalMs` it sends 4 bytes and
 * times their echo. A round trip longer than `deadlineMs` counts as lost.
 */
export class EchoProbe {
  #conn: Deno.TcpConn;
  #rtts: number[] = [];
  #stop = false;
  #lost: string | undefined;
  #loop: Promise<void>;

  private constructor(conn: Deno.TcpConn, intervalMs: number, deadlineMs: number) {
    this.#conn = conn;
    this.#loop = this.#run(intervalMs, deadlineMs);
  }

  static async open(port: number, intervalMs = 10, deadlineMs = 30_000): Promise<EchoProbe> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new EchoProbe(conn, intervalMs, deadlineMs);
  }

  async #run(intervalMs: number, deadlineMs: number): Promise<void> {
    const ping = new Uint8Array([1, 2, 3, 4]);
    const buf = new Uint8Array(64);
    while (!this.#stop && !this.#lost) {
      const t0 = performance.now();
      try {
        await this.#conn.write(ping);
        let got = 0;
        while (got < ping.length) {
          const n = await withDeadline(this.#conn.read(buf.subarray(got)), deadlineMs);
          if (n === null) throw new Error("Director closed the connection");
          got += n;
        }
      } catch (error) {
        if (!this.#stop) this.#lost = (error as Error).message;
        break;
      }
      const rtt = performance.now() - t0;
      this.#rtts.push(rtt);
      await sleep(Math.max(0, intervalMs - rtt));
    }
  }

  /** The figures so far (the probe keeps running). */
  get result(): EchoResult {
    const sorted = [...this.#rtts].sort((a, b) => a - b);
    return {
      count: sorted.length,
      maxMs: sorted.at(-1) ?? NaN,
      medianMs: sorted[Math.floor(sorted.length / 2)] ?? NaN,
      lost: this.#lost,
    };
  }

  /** Forget the round trips so far (a new phase starts). */
  reset(): void {
    this.#rtts = [];
  }

  async close(): Promise<EchoResult> {
    this.#stop = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    await this.#loop;
    return this.result;
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no echo within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
