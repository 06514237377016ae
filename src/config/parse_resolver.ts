/**
 * The config's DNS parts: the top-level `<resolver>` element, and a
 * group's `srv` attribute. What they do at run time is in
 * `src/control/dns_refresh.ts`.
 *
 * @module
 */
import { parseNameserver } from "../dns/nameservers.ts";
import type { ElementReader } from "./element_reader.ts";
import type { ResolverConfig } from "./model.ts";
import type { XmlElement } from "./xml.ts";

/** Lookups happen at least this often (a longer `interval` is refused). */
export const MAX_RESOLVER_INTERVAL_S = 86_400;
/** … and at most this often, whatever the TTL. */
export const MIN_RESOLVER_INTERVAL_MS = 1000;
/** The interval when `<resolver>` does not give one. */
export const DEFAULT_RESOLVER_INTERVAL_MS = 30_000;

/** `_service._proto.name`, as RFC 2782 writes an SRV owner name. */
const SRV_NAME =
  /^_[A-Za-z0-9-]{1,62}\._(tcp|udp|tls|sctp)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)+\.?$/i;

/** `<resolver nameserver="IP:PORT,…" interval="SECONDS"/>`; both optional. */
export function parseResolver(reader: ElementReader, el: XmlElement): ResolverConfig {
  reader.shape(el, ["nameserver", "interval"], []);
  const resolver: ResolverConfig = {};
  const written = el.attributes.nameserver;
  if (written !== undefined) {
    const servers = written.split(",").map((s) => s.trim());
    for (const server of servers) {
      try {
        parseNameserver(server);
      } catch (error) {
        reader.fail(
          el,
          `nameserver="${written}": ${(error as Error).message}; ` +
            "expected IP or IP:PORT, comma-separated ([::1]:53 for IPv6)",
        );
      }
    }
    resolver.nameservers = servers;
  }
  if (el.attributes.interval !== undefined) {
    const ms = reader.milliseconds(el, "interval", MAX_RESOLVER_INTERVAL_S);
    if (ms < MIN_RESOLVER_INTERVAL_MS) {
      reader.fail(el, `interval="${el.attributes.interval}" is below 1 second; expected 1 or more`);
    }
    resolver.intervalMs = ms;
  }
  return resolver;
}

/** Is `name` an SRV owner name (`_service._proto.name`)? */
export function isSrvName(name: string): boolean {
  return SRV_NAME.test(name) && name.length <= 253;
}

/** A group's `srv="…"`, when written: `_service._proto.name`. */
export function parseSrv(reader: ElementReader, el: XmlElement): { srv?: string } {
  const srv = el.attributes.srv;
  if (srv === undefined) return {};
  if (!isSrvName(srv)) {
    reader.fail(el, `srv="${srv}" is not an SRV name; expected _service._proto.name`);
  }
  return { srv };
}

/** `<resolver>` as attributes to write back (none when it states only defaults). */
export function resolverAttributes(resolver: ResolverConfig): [string, string][] {
  const attributes: [string, string][] = [];
  if (resolver.nameservers) attributes.push(["nameserver", resolver.nameservers.join(",")]);
  if (resolver.intervalMs !== undefined) {
    attributes.push(["interval", String(resolver.intervalMs / 1000)]);
  }
  return attributes;
}
