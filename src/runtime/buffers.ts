/**
 * Read buffers for pull-style relays (a read into a caller's buffer, as
 * Deno's sockets do): one buffer per direction, reused for every chunk,
 * starting small and growing only when reads fill it.
 *
 * An idle connection keeps its buffer pinned in a pending read, so the
 * first size decides the memory per idle connection; a bulk transfer fills
 * every read and climbs to the largest size within a few reads (measured in
 * bench/README.md: half the idle memory of a fixed 16 KiB buffer, a third
 * less CPU per GB of bulk).
 *
 * @module
 */

/** The sizes a direction's buffer goes through: 1 KiB, 16 KiB once a read fills it, 64 KiB. */
export const RELAY_BUFFER_SIZES = [1024, 16 * 1024, 64 * 1024] as const;
export const RELAY_BUFFER_INITIAL = RELAY_BUFFER_SIZES[0];
export const RELAY_BUFFER_MAX = RELAY_BUFFER_SIZES[RELAY_BUFFER_SIZES.length - 1];

/** The buffer for the next read: the next size up when the last read filled `buf`. */
export function grown(buf: Uint8Array<ArrayBuffer>, filled: number): Uint8Array<ArrayBuffer> {
  if (filled < buf.length || buf.length >= RELAY_BUFFER_MAX) return buf;
  return new Uint8Array(RELAY_BUFFER_SIZES.find((size) => size > buf.length) ?? RELAY_BUFFER_MAX);
}
