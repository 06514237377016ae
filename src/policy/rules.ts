/**
 * A service's traffic policy as the data plane uses it: access rules by
 * source address, SNI routes, and the per-client limits — compiled once
 * from the config (`AclRule`, `RouteConfig`, `ClientRate`) whenever they
 * change, so a connection costs a few word compares, never a parse.
 *
 * The text forms are checked here too (`parseClientRate`, `checkAclSource`,
 * `checkSni`), one rule for the config parser and the change calls alike:
 * each throws `Error("Cannot use …: reason")`.
 *
 * @module
 */
import { PolicySyntaxError } from "./errors.ts";
import { LIMITS } from "../config/defaults.ts";
import type { AclRule, ClientRate, RouteConfig } from "../config/model.ts";
import { type Cidr, cidrMatchesKey, parseCidr, writeAddressKey } from "./cidr.ts";
import { matchesSni, parseSniPattern, type SniPattern } from "./sni_pattern.ts";

export const CLIENT_RATE_EXPECTED =
  `expected COUNT/SECONDS such as 10/1 (COUNT 1 to ${LIMITS.clientLimit}, SECONDS up to ${LIMITS.clientRateWindowS}, decimals allowed)`;

/** `N/SECONDS` → a rate; throws `Cannot use client-rate "…": reason`. */
export function parseClientRate(text: string): ClientRate {
  const match = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(text);
  const fail = (): never => {
    throw new PolicySyntaxError(`client-rate "${text}"`, CLIENT_RATE_EXPECTED);
  };
  if (!match) return fail();
  const count = Number(match[1]), windowMs = Math.round(Number(match[2]) * 1000);
  if (!(count >= 1 && count <= LIMITS.clientLimit)) fail();
  if (!(windowMs >= 1 && windowMs <= LIMITS.clientRateWindowS * 1000)) fail();
  return { count, windowMs };
}

/** The text form of a rate, as `parseClientRate` reads it back. */
export function formatClientRate(rate: ClientRate): string {
  return `${rate.count}/${rate.windowMs / 1000}`;
}

/** A source range, parsed (throws `Cannot use address range "…": reason`). */
export function checkAclSource(src: string): Cidr {
  return parseCidr(src);
}

/** An SNI pattern, parsed (throws `Cannot use SNI pattern "…": reason`). */
export function checkSni(sni: string): SniPattern {
  return parseSniPattern(sni);
}

interface CompiledAcl {
  allow: boolean;
  cidr: Cidr;
}

/** A reused key buffer: matching allocates nothing. */
const scratch = new Uint32Array(4);

/** Access rules in order; first match wins, no match allowed unless any rule allows. */
export class AccessList {
  readonly rules: readonly AclRule[];
  readonly #compiled: CompiledAcl[];
  readonly #defaultAllow: boolean;

  constructor(rules: readonly AclRule[]) {
    this.rules = rules.map((rule) => ({ ...rule }));
    this.#compiled = rules.map((rule) => ({
      allow: rule.action === "allow",
      cidr: parseCidr(rule.src),
    }));
    this.#defaultAllow = !this.#compiled.some((rule) => rule.allow);
  }

  get empty(): boolean {
    return this.#compiled.length === 0;
  }

  /** May a client with this address (as its socket reports it) connect? */
  allows(address: string): boolean {
    if (this.#compiled.length === 0) return true;
    // Not an address (cannot happen for TCP peers): only a list without allows lets it in.
    if (!writeAddressKey(address, scratch)) return this.#defaultAllow;
    for (const rule of this.#compiled) {
      if (cidrMatchesKey(rule.cidr, scratch)) return rule.allow;
    }
    return this.#defaultAllow;
  }
}

/** SNI routes in order; first match wins. */
export class RouteTable {
  readonly routes: readonly RouteConfig[];
  readonly #patterns: SniPattern[];

  constructor(routes: readonly RouteConfig[]) {
    this.routes = routes.map((route) => ({ ...route }));
    this.#patterns = routes.map((route) => parseSniPattern(route.sni));
  }

  get empty(): boolean {
    return this.routes.length === 0;
  }

  /** The group for a server name; undefined when no route matches. */
  groupFor(serverName: string): string | undefined {
    for (let i = 0; i < this.#patterns.length; i++) {
      if (matchesSni(this.#patterns[i], serverName)) return this.routes[i].group;
    }
    return undefined;
  }
}

/** Insert `item` before index `position` (undefined or past the end: appended). */
export function insertAt<T>(items: readonly T[], item: T, position: number | undefined): T[] {
  const copy = [...items];
  const at = position === undefined ? copy.length : Math.min(position, copy.length);
  copy.splice(at, 0, item);
  return copy;
}
