/**
 * Large admin responses as streams: a view that yields its text in pieces
 * is sent a batch of about 256 KiB at a time, as the client reads (each
 * chunk costs the HTTP server a turn: 28 MB of metrics in 64 KiB chunks
 * was 450 of them). Memory stays bounded whatever the size of the whole,
 * and the event loop — which may also be relaying connections — runs
 * between batches (one takes about a millisecond to make).
 *
 * @module
 */

/** About this many bytes are produced per pull. */
const BATCH_CHARS = 256 * 1024;

export function streamPieces(pieces: Iterator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      let batch = "";
      while (batch.length < BATCH_CHARS) {
        const next = pieces.next();
        if (next.done) {
          if (batch) controller.enqueue(encoder.encode(batch));
          controller.close();
          return;
        }
        batch += next.value;
      }
      controller.enqueue(encoder.encode(batch));
    },
    cancel() {
      pieces.return?.(undefined);
    },
  });
}
