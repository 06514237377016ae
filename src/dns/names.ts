/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4): reading with
 * compression pointers, writing with compression.
 *
 * A name's text is its labels joined by dots, without the trailing dot (the
 * root is ""). Bytes that would make the text ambiguous — a dot or
 * backslash inside a label, anything outside printable ASCII — are escaped
 * as in zone files (`\.`, `\\`, `\DDD`), so two different wire names never
 * read the same.
 *
 * @module
 */
import { isIP } from "node:net";

/** A DNS message that cannot be read or a name that cannot be written. */
export class MessageError extends Error {
  constructor(reason: string) {
    super(`Cannot decode DNS message: ${reason}`);
    this.name = "MessageError";
  }
}

const MAX_WIRE_NAME = 255;
const MAX_LABEL = 63;
const POINTER = 0xc0;

/**
 * Reads the name at `offset`; returns it and the offset just after it in
 * place (after the first pointer, if any).
 */
export function readName(bytes: Uint8Array, offset: number): { name: string; end: number } {
  let text = "";
  let wireLength = 1; // the root label
  let position = offset;
  let end = -1;
  // Each pointer must go below the start of the stretch that led to it, so
  // the walk always terminates.
  let floor = offset;
  for (;;) {
    if (position >= bytes.length) throw new MessageError("name runs past the end");
    const length = bytes[position];
    if ((length & POINTER) === POINTER) {
      if (position + 1 >= bytes.length) throw new MessageError("name pointer runs past the end");
      const target = (length & 0x3f) << 8 | bytes[position + 1];
      if (end < 0) end = position + 2;
      if (target >= floor) throw new MessageError("name pointer does not point backwards");
      position = floor = target;
      continue;
    }
    if (length & POINTER) throw new MessageError(`unknown label type 0x${length.toString(16)}`);
    if (length === 0) break;
    wireLength += length + 1;
    if (wireLength > MAX_WIRE_NAME) throw new MessageError("name longer than 255 bytes");
    if (position + 1 + length > bytes.length) throw new MessageError("label runs past the end");
    if (text) text += ".";
    text += labelText(bytes, position + 1, position + 1 + length);
    position += 1 + length;
  }
  return { name: text, end: end < 0 ? position + 1 : end };
}

function labelText(bytes: Uint8Array, start: number, end: number): string {
  let text = "";
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    if (byte === 0x2e || byte === 0x5c) text += "\\" + String.fromCharCode(byte);
    else if (byte > 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += "\\" + String(byte).padStart(3, "0");
  }
  return text;
}

/**
 * The labels of a name to write: printable ASCII, 1–63 bytes each, 255
 * bytes on the wire at most; one trailing dot ignored. Escapes are not
 * read: a name with a backslash is refused.
 */
export function nameLabels(name: string): string[] {
  const text = name.endsWith(".") ? name.slice(0, -1) : name;
  if (text === "") return [];
  if (!/^[\x21-\x7e]+$/.test(text) || text.includes("\\")) {
    throw new MessageError(`name "${name}" is not printable ASCII without backslashes`);
  }
  const labels = text.split(".");
  for (const label of labels) {
    if (label.length === 0) throw new MessageError(`name "${name}" has an empty label`);
    if (label.length > MAX_LABEL) {
      throw new MessageError(`name "${name}" has a label over 63 bytes`);
    }
  }
  if (text.length + 2 > MAX_WIRE_NAME) throw new MessageError(`name "${name}" is over 255 bytes`);
  return labels;
}

/** Writes names into a growing message, pointing to suffixes already written. */
export class NameWriter {
  readonly #offsets = new Map<string, number>();

  /** Appends `name` to `out` (whose length is the current message offset). */
  write(out: number[], name: string, compress = true): void {
    const labels = nameLabels(name);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join(".").toLowerCase();
      const known = compress ? this.#offsets.get(suffix) : undefined;
      if (known !== undefined) {
        out.push(POINTER | known >> 8, known & 0xff);
        return;
      }
      // Pointers have 14 bits: later names can only point into the first 16 KiB.
      if (out.length < 0x4000) this.#offsets.set(suffix, out.length);
      out.push(labels[i].length);
      for (let c = 0; c < labels[i].length; c++) out.push(labels[i].charCodeAt(c));
    }
    out.push(0);
  }
}

/** A name to look up for hosts (`ip="NAME:PORT"`): not an IP, not localhost. */
export function isDnsName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return isIP(name) === 0 && name !== "localhost" && !name.endsWith(".localhost");
}
