/**
 * Which nameservers to ask: addresses with optional ports as written in
 * Director's options, and the `nameserver` lines of resolv.conf.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import net from "node:net";
import { addressKey } from "../policy/cidr.ts";

export interface Nameserver {
  /** The address as written (an IPv6 zone kept, for link-local servers). */
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** `host:port`, with brackets for IPv6: for messages. */
  readonly text: string;
}

/** Parses `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]` or `[::1]:5353` (port 53 by default). */
export function parseNameserver(text: string): Nameserver {
  const fail = (reason: string): never => {
    throw new Error(`Cannot use nameserver "${text}": ${reason}`);
  };
  let host = text, portText = "53";
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) [host, portText] = [bracketed[1], bracketed[2] ?? "53"];
  else if (text.split(":").length === 2) [host, portText] = text.split(":");
  if (!/^[1-9][0-9]{0,4}$/.test(portText) || Number(portText) > 65535) {
    fail("the port is not a number from 1 to 65535");
  }
  const family = net.isIP(host.split("%")[0]);
  if (family === 0 || !addressKey(host)) fail("not an IP address");
  if (bracketed && family !== 6) fail("brackets are for IPv6 addresses");
  const port = Number(portText);
  return {
    host,
    port,
    family: family as 4 | 6,
    text: family === 6 ? `[${host}]:${port}` : `${host}:${port}`,
  };
}

/** The `nameserver` addresses of a resolv.conf text, in order. */
export function parseResolvConf(text: string): string[] {
  const servers: string[] = [];
  for (const line of text.split("\n")) {
    const [keyword, address] = line.replace(/[#;].*/, "").trim().split(/\s+/);
    if (keyword === "nameserver" && address) servers.push(address);
  }
  return servers;
}

/**
 * The usable nameservers of a resolv.conf file (port 53); none if it cannot
 * be read. Lines that are not an address are skipped, as the C library does.
 */
export async function readResolvConf(path: string): Promise<Nameserver[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return [];
  }
  return parseResolvConf(text).flatMap((address) => {
    try {
      return [parseNameserver(address)];
    } catch {
      return [];
    }
  });
}
