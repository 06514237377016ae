/**
 * A DNS server for tests: UDP and TCP on 127.0.0.1 (or ::1), one random free port,
 * answering from a zone the test changes as it goes, like a recursive
 * resolver would (CNAME chains followed into the answer, A/AAAA of SRV
 * targets in the additional section).
 *
 * Names never set, or removed, are NXDOMAIN; a set name asked for another
 * type gets an empty answer. `failWith` makes one name misbehave:
 * `servfail`, `refused`, `timeout` (no answer), `truncate` (UDP answers
 * have TC set and no records; TCP answers in full), `spoof` (two wrong
 * responses — other id, other question — before the right one),
 * `spoof-only` (only those), `garbage` (our id, then bytes that do not
 * decode), `wrong-port` (the right answer, sent from another UDP port).
 *
 * @module
 */
import dgram from "node:dgram";
import net from "node:net";
import {
  CLASS_IN,
  decodeMessage,
  type DnsMessage,
  encodeMessage,
  Rcode,
  RecordType,
  type ResourceRecord,
  type SrvData,
} from "../../src/dns/message.ts";

export type Failure =
  | "servfail"
  | "refused"
  | "timeout"
  | "truncate"
  | "spoof"
  | "spoof-only"
  | "garbage"
  | "wrong-port";

interface Entry {
  a?: { ips: string[]; ttl: number };
  aaaa?: { ips: string[]; ttl: number };
  srv?: { targets: SrvData[]; ttl: number };
  cname?: { target: string; ttl: number };
}

const key = (name: string) => name.toLowerCase().replace(/\.$/, "");

export class TestDnsServer {
  readonly #zone = new Map<string, Entry>();
  readonly #failures = new Map<string, Failure>();
  readonly #counts = new Map<string, number>();
  readonly #connections = new Set<net.Socket>();

  private constructor(
    readonly udp: dgram.Socket,
    readonly stray: dgram.Socket,
    readonly tcp: net.Server,
    readonly host: string,
    readonly port: number,
  ) {
    udp.on("message", (message: Uint8Array, remote: dgram.RemoteInfo) => {
      const bytes = new Uint8Array(message);
      const from = this.#failureOf(bytes) === "wrong-port" ? stray : udp;
      for (const reply of this.#replies(bytes, "udp")) {
        from.send(reply, remote.port, remote.address);
      }
    });
    tcp.on("connection", (socket) => this.#serveTcp(socket));
  }

  /** Starts a server on `host` (127.0.0.1 or ::1), on a port free for both UDP and TCP. */
  static async start(host = "127.0.0.1"): Promise<TestDnsServer> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const udp = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
      await new Promise<void>((resolve) => udp.bind(0, host, resolve));
      const port = udp.address().port;
      const tcp = net.createServer();
      const listening = await new Promise<boolean>((resolve) => {
        tcp.once("error", () => resolve(false));
        tcp.listen(port, host, () => resolve(true));
      });
      if (listening) {
        const stray = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
        await new Promise<void>((resolve) => stray.bind(0, host, resolve));
        return new TestDnsServer(udp, stray, tcp, host, port);
      }
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    }
    throw new Error("Cannot start the test DNS server: no port free for both UDP and TCP");
  }

  /** `127.0.0.1:port` or `[::1]:port`, as `Resolver` takes it. */
  get address(): string {
    return this.host.includes(":") ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  setA(name: string, ips: string[], ttl = 60): void {
    this.#entry(name).a = { ips, ttl };
  }
  setAAAA(name: string, ips: string[], ttl = 60): void {
    this.#entry(name).aaaa = { ips, ttl };
  }
  setSrv(name: string, targets: SrvData[], ttl = 60): void {
    this.#entry(name).srv = { targets, ttl };
  }
  setCname(name: string, target: string, ttl = 60): void {
    this.#entry(name).cname = { target, ttl };
  }
  /** The name no longer exists: NXDOMAIN. */
  remove(name: string): void {
    this.#zone.delete(key(name));
  }
  /** Makes queries for `name` misbehave; `undefined` makes them normal again. */
  failWith(name: string, failure: Failure | undefined): void {
    if (failure) this.#failures.set(key(name), failure);
    else this.#failures.delete(key(name));
  }
  /** How many queries for `name` (any type, UDP or TCP) arrived. */
  queries(name: string): number {
    return this.#counts.get(key(name)) ?? 0;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.stray.close(() => resolve()));
    for (const socket of this.#connections) socket.destroy();
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }

  #entry(name: string): Entry {
    let entry = this.#zone.get(key(name));
    if (!entry) this.#zone.set(key(name), entry = {});
    return entry;
  }

  #failureOf(bytes: Uint8Array): Failure | undefined {
    try {
      const name = decodeMessage(bytes).questions[0]?.name;
      return name === undefined ? undefined : this.#failures.get(key(name));
    } catch {
      return undefined;
    }
  }

  /** The datagrams (or TCP messages) to send back for one query. */
  #replies(bytes: Uint8Array, transport: "udp" | "tcp"): Uint8Array[] {
    let query: DnsMessage;
    try {
      query = decodeMessage(bytes);
    } catch {
      return [];
    }
    const question = query.questions[0];
    if (query.response || !question) return [];
    const name = key(question.name);
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
    const failure = this.#failures.get(name);
    const reply = (changes: Partial<DnsMessage>) =>
      encodeMessage({ ...this.#answer(query), ...changes });
    switch (failure) {
      case "timeout":
        return [];
      case "servfail":
        return [reply({ rcode: Rcode.SERVFAIL, answers: [], additionals: [] })];
      case "refused":
        return [reply({ rcode: Rcode.REFUSED, answers: [], additionals: [] })];
      case "garbage":
        return [new Uint8Array([bytes[0], bytes[1], 0x81, 0x80, 0, 1, 0, 9, 0, 0, 0, 0, 3, 0x61])];
      case "truncate":
        return [
          transport === "udp"
            ? reply({ truncated: true, answers: [], additionals: [] })
            : reply({}),
        ];
      case "spoof":
      case "spoof-only": {
        const spoofs = [
          reply({ id: query.id ^ 1 }),
          reply({ questions: [{ ...question, name: `other.${question.name}` }] }),
        ];
        return failure === "spoof" ? [...spoofs, reply({})] : spoofs;
      }
      default:
        return [reply({})];
    }
  }

  /** The full answer to a query from the zone. */
  #answer(query: DnsMessage): DnsMessage {
    const question = query.questions[0];
    const answers: ResourceRecord[] = [];
    const additionals: ResourceRecord[] = [];
    let owner = key(question.name);
    for (let links = 0; links < 8 && this.#zone.get(owner)?.cname; links++) {
      const cname = this.#zone.get(owner)!.cname!;
      answers.push({
        name: owner,
        class: CLASS_IN,
        ttl: cname.ttl,
        data: { kind: "CNAME", target: cname.target },
      });
      owner = key(cname.target);
    }
    const entry = this.#zone.get(owner);
    if (entry) {
      answers.push(...this.#records(owner, entry, question.type));
      for (const target of question.type === RecordType.SRV ? entry.srv?.targets ?? [] : []) {
        const glue = this.#zone.get(key(target.target));
        if (!glue) continue;
        additionals.push(...this.#records(target.target, glue, RecordType.A));
        additionals.push(...this.#records(target.target, glue, RecordType.AAAA));
      }
    }
    return {
      ...query,
      response: true,
      recursionAvailable: true,
      rcode: entry ? Rcode.NOERROR : Rcode.NXDOMAIN,
      answers,
      authorities: [],
      additionals,
    };
  }

  #records(owner: string, entry: Entry, type: number): ResourceRecord[] {
    const record = (ttl: number, data: ResourceRecord["data"]): ResourceRecord => ({
      name: owner,
      class: CLASS_IN,
      ttl,
      data,
    });
    if (type === RecordType.A && entry.a) {
      return entry.a.ips.map((address) => record(entry.a!.ttl, { kind: "A", address }));
    }
    if (type === RecordType.AAAA && entry.aaaa) {
      return entry.aaaa.ips.map((address) => record(entry.aaaa!.ttl, { kind: "AAAA", address }));
    }
    if (type === RecordType.SRV && entry.srv) {
      return entry.srv.targets.map((target) => record(entry.srv!.ttl, { kind: "SRV", ...target }));
    }
    return [];
  }

  #serveTcp(socket: net.Socket): void {
    let buffered = new Uint8Array(0);
    this.#connections.add(socket);
    socket.on("close", () => this.#connections.delete(socket));
    socket.on("error", () => {});
    socket.on("data", (chunk: Uint8Array) => {
      buffered = new Uint8Array([...buffered, ...chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + (buffered[0] << 8 | buffered[1])) {
        const length = buffered[0] << 8 | buffered[1];
        const query = buffered.slice(2, 2 + length);
        buffered = buffered.slice(2 + length);
        for (const reply of this.#replies(query, "tcp")) {
          socket.write(new Uint8Array([reply.length >> 8, reply.length & 0xff, ...reply]));
        }
      }
    });
  }
}
