/**
 * Reads the server name (SNI) out of a TLS ClientHello without terminating
 * TLS, so a listener can route on it and then relay the bytes untouched
 * (what nginx `ssl_preread` and HAProxy `req.ssl_sni` do).
 *
 * `inspectClientHello(data)` is called with every byte received so far and
 * answers whether more are needed. It re-reads from the start on each call:
 * record headers are walked without copying until the whole handshake
 * message is there, so a hello arriving one byte at a time costs little.
 *
 * Choices:
 * - The hello may span several handshake records (content type 22), each
 *   1..2^14 bytes (RFC 8446 §5.1 forbids empty handshake fragments); any
 *   other record type before the hello is complete is malformed.
 * - An SSLv2-compatible hello (first byte has its high bit set) is
 *   `not-tls`: it cannot carry extensions, so there is no name to route on
 *   and the caller treats it like any non-TLS client.
 * - The hello, record headers included, must be complete within the first
 *   `MAX_CLIENT_HELLO_BYTES`; otherwise `malformed` ("too large").
 * - The name is checked to be a host name (ASCII letters, digits, `-`, `_`,
 *   non-empty labels, at most 253 characters), lower-cased, and one trailing
 *   dot is removed. Bytes after the hello (early data) are ignored.
 *
 * @module
 */

/** Most bytes read while waiting for a complete ClientHello. */
export const MAX_CLIENT_HELLO_BYTES = 16 * 1024;

export type ClientHelloResult =
  | { kind: "incomplete" }
  | { kind: "not-tls" }
  | { kind: "malformed"; reason: string }
  | { kind: "hello"; serverName?: string };

const RECORD_HEADER = 5;
const HANDSHAKE_HEADER = 4;
const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const MAX_RECORD_PAYLOAD = 16384;
const EXTENSION_SERVER_NAME = 0;
const NAME_TYPE_HOST = 0;
const MAX_HOST_NAME = 253;

const INCOMPLETE: ClientHelloResult = { kind: "incomplete" };
const NOT_TLS: ClientHelloResult = { kind: "not-tls" };
const malformed = (reason: string): ClientHelloResult => ({ kind: "malformed", reason });

/** Inspects the bytes received so far from a client (see the module doc). */
export function inspectClientHello(data: Uint8Array): ClientHelloResult {
  if (data.length === 0) return INCOMPLETE;
  if (data[0] !== CONTENT_HANDSHAKE) return NOT_TLS;
  if (data.length >= 2 && data[1] !== 3) return NOT_TLS;
  const message = reassemble(data.subarray(0, MAX_CLIENT_HELLO_BYTES));
  if (message instanceof Uint8Array) return parseClientHello(message);
  if (message.kind === "incomplete" && data.length >= MAX_CLIENT_HELLO_BYTES) {
    return malformed(`too large: no complete ClientHello in ${MAX_CLIENT_HELLO_BYTES} bytes`);
  }
  return message;
}

/**
 * Walks the handshake records and returns the complete handshake message
 * (header included) once every byte of it has arrived.
 */
function reassemble(data: Uint8Array): Uint8Array | ClientHelloResult {
  const payloads: Uint8Array[] = [];
  let available = 0;
  let needed = -1; // the handshake message's total length, once its header is in
  let offset = 0;
  while (needed < 0 || available < needed) {
    if (data.length - offset < RECORD_HEADER) return INCOMPLETE;
    const problem = checkRecordHeader(data, offset);
    if (problem) return problem;
    const length = data[offset + 3] << 8 | data[offset + 4];
    const end = offset + RECORD_HEADER + length;
    if (end > data.length) return INCOMPLETE;
    payloads.push(data.subarray(offset + RECORD_HEADER, end));
    available += length;
    offset = end;
    if (needed < 0 && available >= HANDSHAKE_HEADER) {
      const header = concat(payloads, HANDSHAKE_HEADER);
      if (header[0] !== HANDSHAKE_CLIENT_HELLO) {
        return malformed(`handshake message type ${header[0]} is not a ClientHello`);
      }
      needed = HANDSHAKE_HEADER + (header[1] << 16 | header[2] << 8 | header[3]);
      // Each record adds a header: the hello alone must leave room for one.
      if (needed + RECORD_HEADER > MAX_CLIENT_HELLO_BYTES) {
        return malformed(`too large: ClientHello of ${needed} bytes`);
      }
    }
  }
  return concat(payloads, needed);
}

function checkRecordHeader(data: Uint8Array, offset: number): ClientHelloResult | undefined {
  if (data[offset] !== CONTENT_HANDSHAKE) {
    return malformed(`record type ${data[offset]} before the end of the ClientHello`);
  }
  if (data[offset + 1] !== 3) return malformed(`record version ${data[offset + 1]} is not TLS`);
  const length = data[offset + 3] << 8 | data[offset + 4];
  if (length === 0) return malformed("empty handshake record");
  if (length > MAX_RECORD_PAYLOAD) return malformed(`record of ${length} bytes exceeds 2^14`);
  return undefined;
}

/** The first `length` bytes of the payloads, joined. */
function concat(payloads: Uint8Array[], length: number): Uint8Array {
  if (payloads[0].length >= length) return payloads[0].subarray(0, length);
  const out = new Uint8Array(length);
  let filled = 0;
  for (const payload of payloads) {
    const part = payload.subarray(0, length - filled);
    out.set(part, filled);
    filled += part.length;
    if (filled === length) break;
  }
  return out;
}

/** A bounds-checked reader over one byte range; reads past `end` fail. */
class Cursor {
  constructor(readonly bytes: Uint8Array, public offset: number, readonly end: number) {}
  get remaining(): number {
    return this.end - this.offset;
  }
  /** An unsigned big-endian integer of `size` bytes, or -1 past the end. */
  uint(size: 1 | 2 | 3): number {
    if (this.remaining < size) return -1;
    let value = 0;
    for (let i = 0; i < size; i++) value = value << 8 | this.bytes[this.offset++];
    return value;
  }
  /** A sub-cursor over the next `length` bytes, or undefined past the end. */
  take(length: number): Cursor | undefined {
    if (length < 0 || this.remaining < length) return undefined;
    const sub = new Cursor(this.bytes, this.offset, this.offset + length);
    this.offset += length;
    return sub;
  }
}

/** Parses a complete handshake message already known to be a ClientHello. */
function parseClientHello(message: Uint8Array): ClientHelloResult {
  const body = new Cursor(message, HANDSHAKE_HEADER, message.length);
  if (!body.take(2 + 32)) return malformed("ClientHello shorter than version and random");
  const sessionId = body.uint(1);
  if (sessionId < 0 || sessionId > 32 || !body.take(sessionId)) {
    return malformed("bad session id length");
  }
  const suites = body.uint(2);
  if (suites < 2 || suites % 2 !== 0 || !body.take(suites)) {
    return malformed("bad cipher suites length");
  }
  const compressions = body.uint(1);
  if (compressions < 1 || !body.take(compressions)) {
    return malformed("bad compression methods length");
  }
  if (body.remaining === 0) return { kind: "hello" }; // no extensions at all (TLS 1.0 and older)
  const extensionsLength = body.uint(2);
  if (extensionsLength !== body.remaining) {
    return malformed("extensions length does not match the ClientHello length");
  }
  return parseExtensions(body);
}

function parseExtensions(extensions: Cursor): ClientHelloResult {
  const seen = new Set<number>();
  let serverName: string | undefined;
  while (extensions.remaining > 0) {
    const type = extensions.uint(2);
    const data = extensions.take(extensions.uint(2));
    if (type < 0 || !data) return malformed("truncated extension");
    if (seen.has(type)) return malformed(`extension ${type} appears twice`);
    seen.add(type);
    if (type !== EXTENSION_SERVER_NAME) continue;
    const name = parseServerName(data);
    if (typeof name !== "string") return name;
    serverName = name;
  }
  return serverName === undefined ? { kind: "hello" } : { kind: "hello", serverName };
}

/** The host name of a server_name extension (RFC 6066 §3). */
function parseServerName(data: Cursor): string | ClientHelloResult {
  const list = data.take(data.uint(2));
  if (!list || data.remaining !== 0 || list.remaining === 0) {
    return malformed("bad server name list length");
  }
  let hostName: string | undefined;
  while (list.remaining > 0) {
    const nameType = list.uint(1);
    const name = list.take(list.uint(2));
    if (nameType < 0 || !name) return malformed("truncated server name");
    if (nameType !== NAME_TYPE_HOST) continue; // no other type is defined; skip
    if (hostName !== undefined) return malformed("two host names in server_name");
    const text = hostNameText(name);
    if (text === undefined) return malformed("server name is not a host name");
    hostName = text;
  }
  return hostName ?? malformed("server_name without a host name");
}

/** The name lower-cased without its trailing dot, or undefined if not a host name. */
function hostNameText(name: Cursor): string | undefined {
  let end = name.end;
  if (end > name.offset && name.bytes[end - 1] === 0x2e) end--;
  const length = end - name.offset;
  if (length === 0 || length > MAX_HOST_NAME) return undefined;
  let text = "";
  let labelLength = 0;
  for (let i = name.offset; i < end; i++) {
    let byte = name.bytes[i];
    if (byte === 0x2e) {
      if (labelLength === 0) return undefined;
      labelLength = 0;
    } else if (!isHostNameByte(byte)) return undefined;
    else labelLength++;
    if (byte >= 0x41 && byte <= 0x5a) byte += 0x20;
    text += String.fromCharCode(byte);
  }
  return labelLength === 0 ? undefined : text;
}

function isHostNameByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x5f;
}
