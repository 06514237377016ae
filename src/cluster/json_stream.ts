/**
 * Splits a stream of concatenated JSON objects — what etcd's gateway sends
 * for a watch, `{"result":{...}}` after `{"result":{...}}` — into whole
 * objects, however the bytes were cut into chunks: one object may span
 * several chunks and one chunk may hold several objects. It relies on
 * nothing between objects (the gateway happens to put newlines there) and
 * tracks string literals so braces inside keys or messages do not count.
 *
 * @module
 */

/** The most text one object may take before the stream is judged broken. */
export const MAX_OBJECT_CHARS = 16 * 1024 * 1024;

export class JsonObjectSplitter {
  #buffer = "";
  /** Where scanning resumes in `#buffer`, and the scanner's state there. */
  #scanned = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;

  /** Feed the next piece of text; returns the objects it completed, in order. */
  push(text: string): unknown[] {
    this.#buffer += text;
    const objects: unknown[] = [];
    let start = 0;
    for (let i = this.#scanned; i < this.#buffer.length; i++) {
      const char = this.#buffer[i];
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (char === "\\") this.#escaped = true;
        else if (char === '"') this.#inString = false;
      } else if (this.#depth === 0 && char !== "{") {
        if (!/\s/.test(char)) {
          throw new Error(
            `Cannot parse JSON stream: unexpected ${JSON.stringify(char)} between objects`,
          );
        }
      } else if (char === '"') {
        this.#inString = true;
      } else if (char === "{") {
        if (this.#depth === 0) start = i;
        this.#depth++;
      } else if (char === "}") {
        if (--this.#depth === 0) objects.push(JSON.parse(this.#buffer.slice(start, i + 1)));
      }
      if (this.#depth === 0 && !this.#inString) start = i + 1;
    }
    this.#buffer = this.#buffer.slice(start);
    this.#scanned = this.#buffer.length;
    if (this.#buffer.length > MAX_OBJECT_CHARS) {
      throw new Error(`Cannot parse JSON stream: an object exceeds ${MAX_OBJECT_CHARS} characters`);
    }
    return objects;
  }

  /** Text of an object begun but not finished (empty at a clean end of stream). */
  get pending(): string {
    return this.#buffer.trim();
  }
}
