/**
 * A small DNS stub resolver: asks recursive nameservers for A, AAAA and SRV
 * records, for backends named by host name or SRV.
 *
 * How it behaves:
 * - Each query has a random id, recursion desired, one question. A response
 *   counts only if it comes from the server's address and port, is a
 *   response, and has the same id and question (name compared
 *   case-insensitively); anything else is dropped and the wait goes on.
 * - The servers are tried in order, `attempts` rounds over the list, each
 *   try waiting `timeoutMs`. A timeout, an unreachable server, SERVFAIL,
 *   REFUSED, any other error rcode, or a malformed response moves on to the
 *   next server; NXDOMAIN ends the query at once (the name does not exist
 *   anywhere). When every try fails, the error is that of the last server
 *   that answered (servfail, refused, malformed), or timeout if none did.
 * - A truncated (TC) UDP response is retried over TCP with the same server.
 *   No EDNS: UDP answers are at most 512 bytes; larger ones come over TCP.
 * - A CNAME chain in the answer is followed (at most 16 links); the records
 *   are those of the type asked owned by the chain's last name. The TTL is
 *   the smallest of the chain's and the records'. The additional section is
 *   not used: query SRV targets with `resolveA`/`resolveAAAA`.
 * - An empty answer (the name exists, but has no such records) is
 *   `{ records: [], ttl: 0 }`: the caller decides how soon to ask again.
 *   SRV records whose target is "." (service decidedly absent, RFC 2782)
 *   are left out.
 * - Without `nameservers`, the `nameserver` lines of `/etc/resolv.conf`
 *   (read once, on the first query; port 53) are used; if it has none, or
 *   cannot be read, every query fails with `no-nameserver`.
 *
 * @module
 */
import {
  CLASS_IN,
  decodeMessage,
  type DnsMessage,
  encodeQuery,
  MessageError,
  peekHeader,
  Rcode,
  type RecordData,
  RecordType,
  type SrvData,
} from "./message.ts";
import { type Nameserver, parseNameserver, readResolvConf } from "./nameservers.ts";
import { exchangeTcp, exchangeUdp } from "./transport.ts";

export type DnsErrorKind =
  | "timeout"
  | "nxdomain"
  | "servfail"
  | "refused"
  | "malformed"
  | "no-nameserver";

/** A failed query: `kind` says what happened, the message reads "Cannot resolve NAME TYPE: reason". */
export class DnsError extends Error {
  constructor(
    readonly kind: DnsErrorKind,
    readonly queryName: string,
    readonly queryType: QueryType,
    reason: string,
  ) {
    super(`Cannot resolve ${queryName} ${queryType}: ${reason}`);
    this.name = "DnsError";
  }
}

export type QueryType = "A" | "AAAA" | "SRV";

export interface Answer<T> {
  records: T[];
  /** Seconds the answer may be kept: the smallest TTL involved (0 if no records). */
  ttl: number;
}

export interface ResolverOptions {
  /** `host` or `host:port` (`[v6]:port`), tried in order. Default: /etc/resolv.conf. */
  nameservers?: string[];
  /** Wait for one try, in milliseconds (default 2000). */
  timeoutMs?: number;
  /** Rounds over the nameserver list (default 2). */
  attempts?: number;
  /** Where to read nameservers from when none are given (default /etc/resolv.conf). */
  resolvConfPath?: string;
}

const MAX_CNAME_LINKS = 16;

interface Failure {
  kind: DnsErrorKind;
  reason: string;
}

export class Resolver {
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #resolvConfPath: string;
  #servers: Promise<Nameserver[]> | undefined;

  constructor(options: ResolverOptions = {}) {
    this.#timeoutMs = positiveInteger("timeoutMs", options.timeoutMs ?? 2000);
    this.#attempts = positiveInteger("attempts", options.attempts ?? 2);
    this.#resolvConfPath = options.resolvConfPath ?? "/etc/resolv.conf";
    if (options.nameservers) {
      this.#servers = Promise.resolve(options.nameservers.map(parseNameserver));
    }
  }

  /** The servers queries go to (`host:port`), reading resolv.conf if needed. */
  async nameservers(): Promise<string[]> {
    return (await this.#nameservers()).map((server) => server.text);
  }

  async resolveA(name: string): Promise<Answer<string>> {
    const { records, ttl } = await this.#query(name, "A");
    return { records: records.flatMap((data) => (data.kind === "A" ? [data.address] : [])), ttl };
  }

  async resolveAAAA(name: string): Promise<Answer<string>> {
    const { records, ttl } = await this.#query(name, "AAAA");
    return {
      records: records.flatMap((data) => (data.kind === "AAAA" ? [data.address] : [])),
      ttl,
    };
  }

  async resolveSrv(name: string): Promise<Answer<SrvData>> {
    const answer = await this.#query(name, "SRV");
    const records = answer.records.flatMap((data) =>
      data.kind === "SRV" && data.target !== ""
        ? [{ priority: data.priority, weight: data.weight, port: data.port, target: data.target }]
        : []
    );
    return { records, ttl: records.length ? answer.ttl : 0 };
  }

  #nameservers(): Promise<Nameserver[]> {
    this.#servers ??= readResolvConf(this.#resolvConfPath);
    return this.#servers;
  }

  async #query(name: string, type: QueryType): Promise<Answer<RecordData>> {
    const fail = (failure: Failure) => new DnsError(failure.kind, name, type, failure.reason);
    const servers = await this.#nameservers();
    if (servers.length === 0) {
      throw fail({
        kind: "no-nameserver",
        reason: `no nameserver given or in ${this.#resolvConfPath}`,
      });
    }
    let query: Uint8Array, id: number;
    try {
      id = randomId();
      query = encodeQuery(id, name, RecordType[type]);
    } catch (error) {
      throw fail({ kind: "malformed", reason: (error as Error).message });
    }
    let lastAnswered: Failure | undefined, lastTimeout: Failure | undefined;
    for (let round = 0; round < this.#attempts; round++) {
      for (const server of servers) {
        const result = await this.#ask(server, query, id, name, type);
        if (!("kind" in result)) return result;
        if (result.kind === "nxdomain") throw fail(result);
        if (result.kind === "timeout") lastTimeout = result;
        else lastAnswered = result;
      }
    }
    throw fail(lastAnswered ?? lastTimeout!);
  }

  /** One try with one server: the answer, or why it gave none. */
  async #ask(
    server: Nameserver,
    query: Uint8Array,
    id: number,
    name: string,
    type: QueryType,
  ): Promise<Answer<RecordData> | Failure> {
    const matches = (bytes: Uint8Array) => isResponseTo(bytes, id, name, type);
    let outcome = await exchangeUdp(server, query, this.#timeoutMs, matches);
    if (outcome.kind === "response" && peekHeader(outcome.bytes)?.truncated) {
      outcome = await exchangeTcp(server, query, this.#timeoutMs);
      if (outcome.kind === "response" && !matches(outcome.bytes)) {
        return { kind: "malformed", reason: `${server.text} answered another query over TCP` };
      }
    }
    if (outcome.kind === "timeout") {
      return { kind: "timeout", reason: `no answer from ${server.text}` };
    }
    if (outcome.kind === "error") {
      return { kind: "timeout", reason: `no answer from ${server.text}: ${outcome.reason}` };
    }
    let message: DnsMessage;
    try {
      message = decodeMessage(outcome.bytes);
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      return { kind: "malformed", reason: `${server.text}: ${error.message}` };
    }
    return interpret(message, server, name, type);
  }
}

function interpret(
  message: DnsMessage,
  server: Nameserver,
  name: string,
  type: QueryType,
): Answer<RecordData> | Failure {
  const from = `${server.text} answered`;
  switch (message.rcode) {
    case Rcode.NOERROR:
      return followAnswer(message, name, type) ??
        {
          kind: "malformed",
          reason: `${from} with a CNAME loop or a chain over ${MAX_CNAME_LINKS}`,
        };
    case Rcode.NXDOMAIN:
      return { kind: "nxdomain", reason: `no such name (NXDOMAIN from ${server.text})` };
    case Rcode.REFUSED:
      return { kind: "refused", reason: `${from} REFUSED` };
    case Rcode.SERVFAIL:
      return { kind: "servfail", reason: `${from} SERVFAIL` };
    default:
      return { kind: "servfail", reason: `${from} with error code ${message.rcode}` };
  }
}

/** The records of `type` at the end of the CNAME chain from `name`; undefined on a loop. */
function followAnswer(
  message: DnsMessage,
  name: string,
  type: QueryType,
): Answer<RecordData> | undefined {
  let owner = canonical(name);
  let ttl = Infinity;
  const visited = new Set([owner]);
  for (let links = 0;; links++) {
    const link = message.answers.find((r) =>
      canonical(r.name) === owner && r.data.kind === "CNAME"
    );
    if (!link || link.data.kind !== "CNAME") break;
    owner = canonical(link.data.target);
    ttl = Math.min(ttl, link.ttl);
    if (visited.has(owner) || links === MAX_CNAME_LINKS) return undefined;
    visited.add(owner);
  }
  const records = message.answers.filter((r) =>
    r.class === CLASS_IN && r.data.kind === type && canonical(r.name) === owner
  );
  if (records.length === 0) return { records: [], ttl: 0 };
  for (const record of records) ttl = Math.min(ttl, record.ttl);
  return { records: records.map((record) => record.data), ttl };
}

/** Whether `bytes` is a response to our query: id, QR, opcode and the one question. */
function isResponseTo(bytes: Uint8Array, id: number, name: string, type: QueryType): boolean {
  const header = peekHeader(bytes);
  if (!header || header.id !== id || (bytes[2] & 0x80) === 0 || (bytes[2] >> 3 & 0xf) !== 0) {
    return false;
  }
  let message: DnsMessage;
  try {
    message = decodeMessage(bytes);
  } catch {
    // A truncated response may be cut anywhere; an inconsistent one with
    // our id is still ours, and is reported as malformed by the caller.
    return true;
  }
  const [question] = message.questions;
  return message.questions.length === 1 && question.type === RecordType[type] &&
    question.class === CLASS_IN && canonical(question.name) === canonical(name);
}

const canonical = (name: string) => name.toLowerCase().replace(/\.$/, "");

function randomId(): number {
  return crypto.getRandomValues(new Uint16Array(1))[0];
}

function positiveInteger(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`Cannot use resolver option ${option}=${value}: it must be a positive integer`);
  }
  return value;
}
