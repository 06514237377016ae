/**
 * One health check over a real connection: connect, optionally send a
 * string and expect the reply to start with another, all within the
 * check's timeout.
 *
 * @module
 */
import { decodeEscapes, ProbeFailure } from "./checker.ts";
import type { CheckConfig, Endpoint } from "../config/model.ts";
import type { Conn, Runtime } from "../runtime/types.ts";
import {
  connectFailureReason,
  connectHost,
  failureKind,
  isLocalFailure,
} from "../proxy/connect.ts";

/**
 * Out of descriptors: the probe could not even be tried, which says
 * nothing about the host (it stays as it is).
 */
export class ProbeNotRun extends Error {
  constructor() {
    super("no descriptor to probe with");
    this.name = "ProbeNotRun";
  }
}

/** A TCP connect to `address` within `timeoutMs`, closed at once (the recovery probe). */
export async function probeConnect(
  runtime: Runtime,
  address: Endpoint,
  timeoutMs: number,
): Promise<void> {
  const conn = await probeOpen(runtime, address, timeoutMs);
  conn.close();
}

async function probeOpen(runtime: Runtime, address: Endpoint, timeoutMs: number): Promise<Conn> {
  try {
    return await connectHost(runtime, address, timeoutMs, undefined, true);
  } catch (error) {
    if (isLocalFailure(error)) throw new ProbeNotRun();
    throw new ProbeFailure(connectFailureReason(error), failureKind(error));
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Read until `want` bytes arrived or the peer closed. */
async function readPrefix(conn: Conn, want: number): Promise<Uint8Array> {
  const buf = new Uint8Array(Math.max(want, 512));
  let have = 0;
  while (have < want) {
    const n = await conn.read(buf.subarray(have));
    if (n === null) break;
    have += n;
  }
  return buf.subarray(0, have);
}

/** Resolve when the check passes; reject with a short reason when it fails. */
export async function runCheck(
  runtime: Runtime,
  address: Endpoint,
  check: CheckConfig,
): Promise<void> {
  const started = Date.now();
  const conn = await probeOpen(runtime, address, check.timeoutMs);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close();
  }, Math.max(1, check.timeoutMs - (Date.now() - started)));
  try {
    if (check.send) await conn.writeAll(encoder.encode(decodeEscapes(check.send)));
    if (check.expect) {
      const expected = encoder.encode(decodeEscapes(check.expect));
      const got = await readPrefix(conn, expected.length);
      if (got.length < expected.length || !expected.every((b, i) => got[i] === b)) {
        const shown = JSON.stringify(decoder.decode(got).slice(0, 40));
        throw new ProbeFailure(
          `reply ${shown} does not start with ${JSON.stringify(check.expect)}`,
          "other",
        );
      }
    }
  } catch (error) {
    if (timedOut) throw new ProbeFailure(`no reply within ${check.timeoutMs} ms`, "timeout");
    if (error instanceof ProbeFailure) throw error;
    throw new ProbeFailure(connectFailureReason(error), failureKind(error));
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}
