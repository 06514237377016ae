/**
 * Reading one XML element of a config: attributes, children, numbers and
 * addresses, each failing with `FILE:LINE:COL: <element>: what is wrong`
 * and collecting warnings. `parse.ts` builds the config on top of it.
 *
 * @module
 */
import { EndpointError, parseEndpoint } from "./endpoint.ts";
import { ConfigError, type ConfigWarning, type Endpoint } from "./model.ts";
import { parseCount, parseSeconds } from "./numbers.ts";
import type { Position, XmlElement } from "./xml.ts";

/** The attribute that names an element in messages, in order of preference. */
const KEY_ATTRIBUTES = ["name", "sni", "src", "group", "ip", "listen", "file", "time"];

/** `<host name="two">`: how messages name an element. */
export function describe(el: XmlElement): string {
  const key = KEY_ATTRIBUTES.find((name) => el.attributes[name] !== undefined);
  return key ? `<${el.name} ${key}="${el.attributes[key]}">` : `<${el.name}>`;
}

export type Seen = Map<string, XmlElement>;

export class ElementReader {
  readonly warnings: ConfigWarning[] = [];
  /** Every listen address so far (`hostname:port`), to refuse one bound twice. */
  readonly #listens = new Map<string, { line: number; owner: string }>();

  constructor(readonly file: string) {}

  fail(el: XmlElement, message: string, at: Position = el): never {
    const where = `${this.file}:${at.line}:${at.column}`;
    throw new ConfigError(`${where}: ${describe(el)}: ${message}`, this.file, at.line, at.column);
  }

  warn(el: XmlElement, message: string): void {
    const text = `${this.file}:${el.line}:${el.column}: ${describe(el)}: ${message}`;
    this.warnings.push({ message: text, line: el.line, column: el.column });
  }

  /** Check attributes (unknown ones warn), child elements, and stray text. */
  shape(el: XmlElement, attributes: string[], children: string[]): void {
    for (const name of Object.keys(el.attributes)) {
      if (attributes.includes(name)) continue;
      const known = attributes.length ? `; known: ${attributes.join(", ")}` : "";
      this.warn(el, `unknown attribute "${name}" ignored${known}`);
    }
    for (const child of el.children) {
      if (children.includes(child.name)) continue;
      const allowed = children.length
        ? `allowed: ${children.map((name) => `<${name}>`).join(", ")}`
        : "it has no child elements";
      this.fail(child, `unexpected element inside <${el.name}>; ${allowed}`);
    }
    if (el.textAt) {
      const text = el.text.trim();
      const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
      this.fail(el, `unexpected text "${shown}"; settings go in attributes`, el.textAt);
    }
  }

  required(el: XmlElement, attr: string, expected: string): string {
    const value = el.attributes[attr];
    if (value === undefined) this.fail(el, `missing attribute ${attr}="…"; ${expected}`);
    if (value.trim() === "") this.fail(el, `empty ${attr}="${value}"; ${expected}`);
    return value;
  }

  /** An optional attribute with a fixed set of values; the first is the default. */
  choice(el: XmlElement, attr: string, values: string[]): string {
    const value = el.attributes[attr] ?? values[0];
    if (values.includes(value)) return value;
    return this.fail(el, `${attr}="${value}" is not allowed; expected ${values.join(" or ")}`);
  }

  /** Record `value` in `seen`, refusing one already there. */
  unique(el: XmlElement, seen: Seen, value: string, what: string, where: string): void {
    const first = seen.get(value);
    const message = `duplicate ${what} "${value}" ${where}; it must be unique`;
    if (first) this.fail(el, `${message} (first at line ${first.line})`);
    seen.set(value, el);
  }

  endpoint(el: XmlElement, attr: string): Endpoint {
    const spec = this.required(el, attr, "expected HOST:PORT such as 127.0.0.1:8080");
    try {
      return parseEndpoint(spec);
    } catch (error) {
      if (error instanceof EndpointError) this.fail(el, error.message);
      throw error;
    }
  }

  /** An address to listen on, which no other listener of the config may use. */
  listen(el: XmlElement, attr: string, owner: string): Endpoint {
    const endpoint = this.endpoint(el, attr);
    const key = `${endpoint.hostname.toLowerCase()}:${endpoint.port}`;
    const first = this.#listens.get(key);
    const message = `listen address "${endpoint.spec}" is already used by ${first?.owner}`;
    if (first) this.fail(el, `${message} at line ${first.line}; each must be unique`);
    this.#listens.set(key, { line: el.line, owner });
    return endpoint;
  }

  /** A whole number in [1, max]. */
  positiveInteger(el: XmlElement, attr: string, max: number): number {
    const value = el.attributes[attr];
    const n = parseCount(value, max);
    if (n === undefined) {
      this.fail(el, `${attr}="${value}" is not allowed; expected a whole number from 1 to ${max}`);
    }
    return n;
  }

  /** A decimal number of seconds, in (0, max], as whole milliseconds. */
  milliseconds(el: XmlElement, attr: string, max: number): number {
    const value = el.attributes[attr];
    const ms = parseSeconds(value, max);
    const expected = `expected a decimal number of seconds from 0.001 to ${max}`;
    if (ms === undefined) this.fail(el, `invalid ${attr}="${value}"; ${expected}`);
    return ms;
  }
}
