/**
 * `host:port` specs as written in configs and admin calls, e.g.
 * `127.0.0.1:80`, `*:80`, `localhost:80`, `[::1]:80`.
 *
 * Parsing is purely syntactic: host names are not resolved here, because a
 * config must load (and `director --check` must pass) on a machine whose
 * resolver differs from the one it will run on.
 *
 * @module
 */
import type { Endpoint } from "./model.ts";

/** A spec that is not a usable `host:port`; `message` says why. */
export class EndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EndpointError";
  }
}

const EXPECTED = "expected HOST:PORT such as 127.0.0.1:8080, *:8080 or [::1]:8080";

/** One DNS label: letters, digits, `-`, and `_` (common in internal names). */
const LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** Hex groups, `::` and an optional embedded IPv4 tail; checked further by `isIpv6`. */
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;

/** Parse a `host:port` spec; throws `EndpointError`. `spec` is kept verbatim. */
export function parseEndpoint(spec: string): Endpoint {
  const fail = (reason: string): never => {
    throw new EndpointError(`Cannot parse address "${spec}": ${reason}; ${EXPECTED}`);
  };
  if (spec === "") fail("it is empty");
  if (/\s/.test(spec)) fail("it contains whitespace");

  let host: string;
  let port: string;
  if (spec.startsWith("[")) {
    const close = spec.indexOf("]");
    if (close < 0) fail('"[" without a closing "]"');
    host = spec.slice(1, close);
    const rest = spec.slice(close + 1);
    if (rest === "" || rest === ":") fail("missing port");
    if (!rest.startsWith(":")) fail(`unexpected "${rest}" after "]"`);
    port = rest.slice(1);
    if (host === "") fail("empty host inside [ ]");
    if (!isIpv6(host)) fail(`"${host}" is not an IPv6 address`);
  } else {
    const colon = spec.lastIndexOf(":");
    if (colon < 0) fail("missing port");
    host = spec.slice(0, colon);
    port = spec.slice(colon + 1);
    if (host.includes(":")) fail("an IPv6 address must be in brackets, e.g. [::1]:8080");
    if (host === "") fail("empty host (use * for all interfaces)");
    if (port === "") fail("missing port");
    if (host === "*") host = "0.0.0.0";
    else if (!isIpv4(host) && !isHostName(host)) fail(`"${host}" is not a valid host`);
  }
  if (!/^\d+$/.test(port)) fail(`port "${port}" is not a number`);
  const number = Number(port);
  if (number < 1 || number > 65535) fail(`port ${port} is out of range 1-65535`);
  return { spec, hostname: host, port: number };
}

function isIpv4(host: string): boolean {
  const match = IPV4.exec(host);
  return match !== null && match.slice(1).every((octet) => Number(octet) <= 255);
}

/** Host names; an all-numeric dotted name must be a valid IPv4 address instead. */
function isHostName(host: string): boolean {
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > 253 || /^[\d.]+$/.test(name)) return false;
  return name.split(".").every((label) => LABEL.test(label));
}

function isIpv6(host: string): boolean {
  if (!IPV6_CHARS.test(host) || !host.includes(":")) return false;
  const halves = host.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === "" ? [] : half.split(":")));
  const last = groups[groups.length - 1];
  const v4Tail = last !== undefined && last.includes(".");
  if (v4Tail && !isIpv4(last)) return false;
  const hexGroups = v4Tail ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  const width = hexGroups.length + (v4Tail ? 2 : 0);
  return halves.length === 2 ? width <= 7 : width === 8;
}
