/**
 * The bookkeeping two tables in shared memory have in common — the sticky
 * table (`src/schedulers/affinity.ts`) and the per-client table
 * (`client_table.ts`): entries in one growable buffer, found through hash
 * chains, reused through a free list, and kept in a list from least to most
 * recently used (`HEAD` … `TAIL`), which is what a full table evicts from.
 *
 * Each table lays its entries out its own way; it says where an entry
 * starts and where in it the links are ({@linkcode EntryLinks}). The
 * header words below are the same in both tables; each adds its own after
 * them. Every function here runs under the table's lock.
 *
 * @module
 */

/** Header words (Int32 indexes): the lock, entries in use, entries ever made, free list, LRU list. */
export const LOCK = 0, COUNT = 1, USED = 2, FREE = 3, HEAD = 4, TAIL = 5;

/** Where a table's entries and their links are. Entries are numbered from 1; 0 is "none". */
export interface EntryLinks {
  readonly i32: Int32Array;
  /** Int32 index of entry `entry`'s first word. */
  at(entry: number): number;
  /** Offsets within an entry: its hash-chain link, and its LRU list links. */
  readonly chain: number;
  readonly prev: number;
  readonly next: number;
}

/** Onto the back of the LRU list (most recently used). */
export function appendEntry(t: EntryLinks, entry: number): void {
  const i32 = t.i32, at = t.at(entry), tail = i32[TAIL];
  i32[at + t.prev] = tail;
  i32[at + t.next] = 0;
  if (tail !== 0) i32[t.at(tail) + t.next] = entry;
  else i32[HEAD] = entry;
  i32[TAIL] = entry;
}

/** Off the LRU list. */
export function unlinkEntry(t: EntryLinks, entry: number): void {
  const i32 = t.i32, at = t.at(entry);
  const prev = i32[at + t.prev], next = i32[at + t.next];
  if (prev !== 0) i32[t.at(prev) + t.next] = next;
  else i32[HEAD] = next;
  if (next !== 0) i32[t.at(next) + t.prev] = prev;
  else i32[TAIL] = prev;
  i32[at + t.prev] = i32[at + t.next] = 0;
}

/** Off its hash chain (which starts at Int32 index `bucket`) and onto the free list. */
export function freeEntry(t: EntryLinks, bucket: number, entry: number): void {
  const i32 = t.i32;
  let link = bucket;
  while (i32[link] !== entry) link = t.at(i32[link]) + t.chain;
  i32[link] = i32[t.at(entry) + t.chain];
  i32[t.at(entry) + t.chain] = i32[FREE];
  i32[FREE] = entry;
  i32[COUNT]--;
}

/** An entry from the free list, or 0 when it is empty. */
export function reuseEntry(t: EntryLinks): number {
  const i32 = t.i32, entry = i32[FREE];
  if (entry !== 0) i32[FREE] = i32[t.at(entry) + t.chain];
  return entry;
}
