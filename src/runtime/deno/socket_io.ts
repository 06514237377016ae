/**
 * The relay's reads and writes on a Deno TCP socket, through Deno's core
 * ops when they can be reached, else through `Deno.TcpConn`.
 *
 * Why: `Deno.TcpConn.read` adds each pending read's promise to a `Set` and
 * deletes it again when the read settles. Once a long-lived connection's
 * `Set` has been promoted to V8's old generation, every such add and delete
 * re-allocates its hash table *in the old generation* (V8 allocates a
 * rehashed table where the old one lives), so a busy keep-alive connection
 * fills the old generation with garbage: incremental marking and
 * mark-compact pauses every few seconds, which is what made Director's
 * keep-alive p99 under Deno three times the bare relay's (measured in
 * bench/README.md). The core ops (`core.read`, `core.write`, the very ops
 * `TcpConn` calls) allocate nothing but their promise, and `TcpConn.write`
 * only wraps `core.write` in one more async function.
 *
 * The core object (`Deno[Deno.internal].core`) and the resource id (an own
 * symbol property of every `TcpConn`) are Deno internals: both are looked up
 * once and checked, and when either is missing (another Deno version) every
 * call goes through `Deno.TcpConn` as before, only slower.
 *
 * @module
 */

interface CoreOps {
  read(rid: number, buf: Uint8Array): Promise<number>;
  write(rid: number, buf: Uint8Array): Promise<number>;
}

function findCore(): CoreOps | undefined {
  try {
    const deno = Deno as unknown as Record<symbol | string, unknown>;
    const internal = deno[deno.internal as string] as { core?: Partial<CoreOps> } | undefined;
    const core = internal?.core;
    if (typeof core?.read === "function" && typeof core.write === "function") {
      return core as CoreOps;
    }
  } catch {
    // Not this Deno: use the public API.
  }
  return undefined;
}

const core = findCore();
let ridSymbol: symbol | undefined;

/** The socket's resource id for the core ops, or undefined (use `Deno.TcpConn`). */
export function resourceId(socket: Deno.TcpConn): number | undefined {
  if (!core) return undefined;
  const own = socket as unknown as Record<symbol, unknown>;
  ridSymbol ??= Object.getOwnPropertySymbols(socket).find((s) =>
    s.description === "Deno.internal.rid"
  );
  const rid = ridSymbol === undefined ? undefined : own[ridSymbol];
  return typeof rid === "number" ? rid : undefined;
}

/** Read into `buf` (never empty): bytes read, 0 at end of stream. Rejects as `TcpConn.read`. */
export function readSocket(
  socket: Deno.TcpConn | Deno.TlsConn,
  rid: number | undefined,
  buf: Uint8Array,
): Promise<number> {
  if (rid !== undefined) return core!.read(rid, buf);
  return socket.read(buf).then((n) => n ?? 0);
}

/** One write of `buf`: the bytes the kernel took. Rejects as `TcpConn.write`. */
export function writeSocket(
  socket: Deno.TcpConn | Deno.TlsConn,
  rid: number | undefined,
  buf: Uint8Array,
): Promise<number> {
  return rid !== undefined ? core!.write(rid, buf) : socket.write(buf);
}
