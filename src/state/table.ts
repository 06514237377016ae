/**
 * Records of a fixed shape in one growable buffer: the run-time state of
 * hosts, groups and services, which every worker thread reads and updates
 * in place.
 *
 * With several worker threads the buffer is a growable `SharedArrayBuffer`
 * that every thread maps (`TableHandle` travels in a message; growth made
 * by the main thread is seen by all); with one it is a resizable plain
 * `ArrayBuffer`, and the same code runs with no sharing at all.
 *
 * A record holds shared Int32 fields (counts changed with `Atomics`,
 * flags, locks), shared Float64 fields (times and scores, written under a
 * lock), and per-worker copies of some fields: each worker writes only its
 * own copy (its open connections, its byte counters), so those need no
 * atomics, and a dead worker's share can be taken back exactly.
 *
 * Layout of one record: the shared part (Int32 fields, then Float64
 * fields), then one block per worker (its Int32 fields, then its Float64
 * fields). In a shared table the shared part and every worker's block
 * start on a cache line of their own ({@linkcode CACHE_LINE}), so a
 * worker adding to its counters never invalidates the line another
 * thread is reading or writing (no false sharing between workers or
 * between neighbouring records); a table of one thread packs them.
 *
 * @module
 */

/** How many fields of each kind a record has. */
export interface TableShape {
  readonly i32: number;
  readonly f64: number;
  readonly i32PerWorker: number;
  readonly f64PerWorker: number;
}

/** What a worker thread needs to map a table: structured-cloneable. */
export interface TableHandle {
  buffer: ArrayBufferLike;
  shape: TableShape;
  workers: number;
}

/** Most records a table may ever hold (virtual address space is reserved, not memory). */
const MAX_BYTES = 1 << 30;

function growable(bytes: number, shared: boolean): ArrayBufferLike {
  const options = { maxByteLength: MAX_BYTES };
  return shared
    ? new (SharedArrayBuffer as unknown as new (n: number, o: object) => SharedArrayBuffer)(
      bytes,
      options,
    )
    : new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(bytes, options);
}

/** Bytes of a cache line: the unit a shared table's parts are aligned to. */
export const CACHE_LINE = 64;

const roundUp = (n: number, unit: number) => Math.ceil(n / unit) * unit;

export class StateTable {
  readonly shape: TableShape;
  readonly workers: number;
  readonly buffer: ArrayBufferLike;
  /** Length-tracking views: they follow the buffer as it grows. */
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  /**
   * Bytes per record (a multiple of 8; of a cache line when shared), and
   * the same in Int32 and Float64 units.
   */
  readonly strideBytes: number;
  readonly i32Stride: number;
  readonly f64Stride: number;
  /** Where a record's shared Float64 fields start, in Float64 units from the record's start. */
  readonly #f64Shared: number;
  /**
   * Where worker 0's block starts (Int32 units) and its Float64 fields
   * (Float64 units), and a block's size in each unit.
   */
  readonly #i32Worker: number;
  readonly #f64Worker: number;
  readonly #i32Block: number;
  readonly #f64Block: number;

  constructor(shape: TableShape, workers: number, shared: boolean, buffer?: ArrayBufferLike) {
    this.shape = shape;
    this.workers = workers;
    const unit = shared ? CACHE_LINE : 8;
    const sharedI32Bytes = roundUp(4 * shape.i32, 8);
    const sharedBytes = roundUp(sharedI32Bytes + 8 * shape.f64, unit);
    const workerI32Bytes = roundUp(4 * shape.i32PerWorker, 8);
    const blockBytes = roundUp(workerI32Bytes + 8 * shape.f64PerWorker, unit);
    this.strideBytes = Math.max(unit, sharedBytes + workers * blockBytes);
    this.i32Stride = this.strideBytes / 4;
    this.f64Stride = this.strideBytes / 8;
    this.#f64Shared = sharedI32Bytes / 8;
    this.#i32Worker = sharedBytes / 4;
    this.#f64Worker = (sharedBytes + workerI32Bytes) / 8;
    this.#i32Block = blockBytes / 4;
    this.#f64Block = blockBytes / 8;
    this.buffer = buffer ?? growable(0, shared);
    this.i32 = new Int32Array(this.buffer);
    this.f64 = new Float64Array(this.buffer);
  }

  /** Map a table another thread made. */
  static attach(handle: TableHandle): StateTable {
    return new StateTable(handle.shape, handle.workers, true, handle.buffer);
  }

  handle(): TableHandle {
    return { buffer: this.buffer, shape: this.shape, workers: this.workers };
  }

  /** Records the buffer holds now. */
  get capacity(): number {
    return this.buffer.byteLength / this.strideBytes;
  }

  /** Make room for `slots` records (main thread only; never shrinks). */
  ensure(slots: number): void {
    if (slots <= this.capacity) return;
    const bytes = Math.max(slots, Math.ceil(this.capacity * 1.5), 64) * this.strideBytes;
    if (bytes > MAX_BYTES) {
      throw new RangeError(`Cannot grow a state table past ${MAX_BYTES} bytes`);
    }
    growBuffer(this.buffer, bytes);
  }

  /** Index into `i32` of shared field `field` of record `slot`. */
  i(slot: number, field: number): number {
    return slot * this.i32Stride + field;
  }

  /** Index into `i32` of worker `worker`'s copy of per-worker field `field`. */
  iw(slot: number, worker: number, field: number): number {
    return slot * this.i32Stride + this.#i32Worker + worker * this.#i32Block + field;
  }

  /** Index into `f64` of shared field `field` of record `slot`. */
  f(slot: number, field: number): number {
    return slot * this.f64Stride + this.#f64Shared + field;
  }

  /** Index into `f64` of worker `worker`'s copy of per-worker field `field`. */
  fw(slot: number, worker: number, field: number): number {
    return slot * this.f64Stride + this.#f64Worker + worker * this.#f64Block + field;
  }

  /** Sum of a per-worker Int32 field over every worker. */
  sumI32(slot: number, field: number): number {
    let sum = 0;
    for (let w = 0; w < this.workers; w++) sum += this.i32[this.iw(slot, w, field)];
    return sum;
  }

  /** Sum of a per-worker Float64 field over every worker. */
  sumF64(slot: number, field: number): number {
    let sum = 0;
    for (let w = 0; w < this.workers; w++) sum += this.f64[this.fw(slot, w, field)];
    return sum;
  }

  /** Zero a record (a slot about to be reused). */
  clear(slot: number): void {
    const start = slot * this.i32Stride;
    this.i32.fill(0, start, start + this.i32Stride);
  }
}

/** Make a growable (shared) or resizable (plain) buffer at least `bytes` long. */
export function growBuffer(buffer: ArrayBufferLike, bytes: number): void {
  const b = buffer as unknown as { grow?(n: number): void; resize?(n: number): void };
  if (typeof b.grow === "function") b.grow(bytes);
  else b.resize!(bytes);
}
