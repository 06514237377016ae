/**
 * The syntax check the admin's front door applies to a request head before
 * relaying it to the runtime's HTTP server, so that every malformed request
 * gets the same answer — 400 with a message — whichever runtime serves it.
 * Left to themselves, Deno answers 400 without a word, Bun answers 505 to a
 * NUL or control byte in the target, and a raw non-ASCII byte in the target
 * passes under one and not the other.
 *
 * What is checked (RFC 9112 §3 and §5, strictly): the request line is
 * `METHOD SP TARGET SP HTTP/1.x` with single spaces, the method a token,
 * the target visible ASCII only; each header line is `name: value` with a
 * token for name and no control bytes but tab in the value (bytes from 0x80
 * are allowed there, as obs-text); no line folding, no bare CR or LF.
 *
 * @module
 */

/** RFC 9110 `tchar`: the bytes of a method or a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Request target: visible ASCII, nothing else (control and non-ASCII bytes are percent-encoded). */
const TARGET_BYTE = /^[\x21-\x7e]$/;
/** A header value: tab, space, visible ASCII, obs-text. */
// deno-lint-ignore no-control-regex -- control bytes are exactly what is refused
const BAD_VALUE_BYTE = /[\x00-\x08\x0a-\x1f\x7f]/;
const VERSIONS = ["HTTP/1.1", "HTTP/1.0"];
/**
 * The methods the admin serves. Others are answered 405 here: Bun drops the
 * connection on a method it does not know, Deno passes it on (then 404).
 */
export const METHODS = ["GET", "HEAD", "POST"];

/** Why a head is refused: the status line's code and reason, and what is wrong. */
export interface HeadProblem {
  status: "400 Bad Request" | "405 Method Not Allowed";
  message: string;
}

/** Show a byte string in a message: printable ASCII as is, the rest as \xNN, cut at 60. */
function shown(text: string): string {
  const escaped = [...text.slice(0, 60)].map((c) => {
    const code = c.charCodeAt(0);
    return code >= 0x20 && code < 0x7f && c !== '"' && c !== "\\"
      ? c
      : `\\x${code.toString(16).padStart(2, "0")}`;
  }).join("");
  return `"${escaped}${text.length > 60 ? "…" : ""}"`;
}

const hex = (c: string) => `0x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;

/** What is wrong with a request line, or undefined. */
export function requestLineProblem(line: string): string | undefined {
  const parts = line.split(" ");
  if (parts.length !== 3 || parts.some((part) => part === "")) {
    return `bad request line ${shown(line)}; expected METHOD TARGET HTTP/1.1, single spaces`;
  }
  const [method, target, version] = parts;
  if (!TOKEN.test(method)) return `bad request line: method ${shown(method)} is not a token`;
  const bad = [...target].find((c) => !TARGET_BYTE.test(c));
  if (bad !== undefined) {
    return `bad request line: the target holds byte ${hex(bad)}; ` +
      "control characters, spaces and non-ASCII bytes must be percent-encoded";
  }
  if (!VERSIONS.includes(version)) {
    return `bad request line: version ${shown(version)} is not supported; expected HTTP/1.1`;
  }
  return undefined;
}

/** What is wrong with header line `n` (1 = the first after the request line), or undefined. */
function headerProblem(line: string, n: number): string | undefined {
  if (line.startsWith(" ") || line.startsWith("\t")) {
    return `bad header line ${n}: folded lines (starting with white space) are not allowed`;
  }
  const colon = line.indexOf(":");
  const name = colon < 0 ? line : line.slice(0, colon);
  if (colon < 0 || !TOKEN.test(name)) {
    return `bad header line ${n} ${shown(line)}; expected NAME: VALUE`;
  }
  const bad = BAD_VALUE_BYTE.exec(line.slice(colon + 1))?.[0];
  if (bad !== undefined) return `bad header line ${n}: ${name} holds control byte ${hex(bad)}`;
  return undefined;
}

/**
 * What is wrong with a request head (the bytes before the blank line,
 * without it), or undefined when it is well-formed and its method served.
 */
export function requestHeadProblem(head: Uint8Array): HeadProblem | undefined {
  // One character per byte (at most 16 KiB), so every byte is seen as itself.
  let text = "";
  for (const byte of head) text += String.fromCharCode(byte);
  const lines = text.split("\r\n");
  const bad = (message: string): HeadProblem => ({ status: "400 Bad Request", message });
  const problem = requestLineProblem(lines[0]);
  if (problem) return bad(problem);
  for (let i = 1; i < lines.length; i++) {
    const found = headerProblem(lines[i], i);
    if (found) return bad(found);
  }
  const method = lines[0].slice(0, lines[0].indexOf(" "));
  if (!METHODS.includes(method)) {
    const message = `method ${shown(method)} is not served here; use ${METHODS.join(", ")}`;
    return { status: "405 Method Not Allowed", message };
  }
  return undefined;
}
