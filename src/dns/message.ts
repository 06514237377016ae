/**
 * DNS messages (RFC 1035 §4): the header, questions and resource records,
 * encoded and decoded. Records Director uses are decoded into fields (A,
 * AAAA, CNAME, SRV — RFC 2782); every other type keeps its raw data.
 *
 * Decoding checks every length against the message and throws
 * `MessageError` on anything inconsistent; bytes after the last record are
 * ignored. TTLs with the top bit set read as 0 (RFC 2181 §8).
 *
 * @module
 */
import { formatIp, writeAddressKey } from "../policy/cidr.ts";
import { MessageError, NameWriter, readName } from "./names.ts";

export { MessageError } from "./names.ts";

export const RecordType = { A: 1, NS: 2, CNAME: 5, SOA: 6, AAAA: 28, SRV: 33, OPT: 41 } as const;
export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
export const CLASS_IN = 1;

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export type RecordData =
  | { kind: "A"; address: string }
  | { kind: "AAAA"; address: string }
  | { kind: "CNAME"; target: string }
  | ({ kind: "SRV" } & SrvData)
  | { kind: "other"; type: number; bytes: Uint8Array };

export interface ResourceRecord {
  name: string;
  class: number;
  ttl: number;
  data: RecordData;
}

export interface DnsMessage {
  id: number;
  response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

const HEADER = 12;

/** A standard query for one name and type, recursion desired. */
export function encodeQuery(id: number, name: string, type: number): Uint8Array {
  return encodeMessage({
    id,
    response: false,
    opcode: 0,
    authoritative: false,
    truncated: false,
    recursionDesired: true,
    recursionAvailable: false,
    rcode: 0,
    questions: [{ name, type, class: CLASS_IN }],
    answers: [],
    authorities: [],
    additionals: [],
  });
}

export function encodeMessage(message: DnsMessage): Uint8Array {
  const out: number[] = [];
  const u16 = (n: number) => out.push(n >> 8 & 0xff, n & 0xff);
  const bit = (on: boolean, mask: number) => (on ? mask : 0);
  u16(message.id);
  u16(
    bit(message.response, 0x8000) | (message.opcode & 0xf) << 11 |
      bit(message.authoritative, 0x400) | bit(message.truncated, 0x200) |
      bit(message.recursionDesired, 0x100) | bit(message.recursionAvailable, 0x80) |
      message.rcode & 0xf,
  );
  const sections = [message.answers, message.authorities, message.additionals];
  [message.questions, ...sections].forEach((section) => u16(section.length));
  const names = new NameWriter();
  for (const question of message.questions) {
    names.write(out, question.name);
    u16(question.type);
    u16(question.class);
  }
  for (const record of sections.flat()) writeRecord(out, names, record);
  return new Uint8Array(out);
}

function writeRecord(out: number[], names: NameWriter, record: ResourceRecord): void {
  const u16 = (n: number) => out.push(n >> 8 & 0xff, n & 0xff);
  const { data } = record;
  names.write(out, record.name);
  u16(typeCode(data));
  u16(record.class);
  out.push(record.ttl >>> 24, record.ttl >>> 16 & 0xff, record.ttl >>> 8 & 0xff, record.ttl & 0xff);
  const lengthAt = out.length;
  u16(0);
  if (data.kind === "A" || data.kind === "AAAA") out.push(...addressBytes(data.kind, data.address));
  else if (data.kind === "CNAME") names.write(out, data.target);
  else if (data.kind === "SRV") {
    [data.priority, data.weight, data.port].forEach(u16);
    names.write(out, data.target, false); // RFC 2782: no compression in the target
  } else out.push(...data.bytes);
  const length = out.length - lengthAt - 2;
  [out[lengthAt], out[lengthAt + 1]] = [length >> 8, length & 0xff];
}

function typeCode(data: RecordData): number {
  return data.kind === "other" ? data.type : RecordType[data.kind];
}

function addressBytes(kind: "A" | "AAAA", address: string): number[] {
  const words = parseAddressWords(address, kind);
  if (kind === "A") {
    return [words[3] >>> 24, words[3] >>> 16 & 255, words[3] >>> 8 & 255, words[3] & 255];
  }
  return [...words].flatMap((w) => [w >>> 24, w >>> 16 & 255, w >>> 8 & 255, w & 255]);
}

function parseAddressWords(address: string, kind: "A" | "AAAA"): Uint32Array {
  const key = new Uint32Array(4);
  const family = writeAddressKey(address, key);
  if (family === 0 || (kind === "A") !== !address.includes(":")) {
    throw new MessageError(`"${address}" is not an ${kind === "A" ? "IPv4" : "IPv6"} address`);
  }
  return key;
}

/** Decodes a whole message; throws `MessageError` if it is inconsistent. */
export function decodeMessage(bytes: Uint8Array): DnsMessage {
  if (bytes.length < HEADER) {
    throw new MessageError(`only ${bytes.length} bytes, less than a header`);
  }
  const u16 = (at: number) => bytes[at] << 8 | bytes[at + 1];
  const flags = u16(2);
  const counts = [u16(4), u16(6), u16(8), u16(10)];
  const reader = { offset: HEADER };
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) questions.push(readQuestion(bytes, reader));
  const [answers, authorities, additionals] = counts.slice(1).map((count) => {
    const records: ResourceRecord[] = [];
    for (let i = 0; i < count; i++) records.push(readRecord(bytes, reader));
    return records;
  });
  return {
    id: u16(0),
    response: (flags & 0x8000) !== 0,
    opcode: flags >> 11 & 0xf,
    authoritative: (flags & 0x400) !== 0,
    truncated: (flags & 0x200) !== 0,
    recursionDesired: (flags & 0x100) !== 0,
    recursionAvailable: (flags & 0x80) !== 0,
    rcode: flags & 0xf,
    questions,
    answers,
    authorities,
    additionals,
  };
}

/** The id and TC flag of a response too short or broken to decode whole. */
export function peekHeader(bytes: Uint8Array): { id: number; truncated: boolean } | undefined {
  if (bytes.length < HEADER) return undefined;
  return { id: bytes[0] << 8 | bytes[1], truncated: (bytes[2] & 0x02) !== 0 };
}

function readQuestion(bytes: Uint8Array, reader: { offset: number }): Question {
  const { name, end } = readName(bytes, reader.offset);
  if (end + 4 > bytes.length) throw new MessageError("question runs past the end");
  reader.offset = end + 4;
  return {
    name,
    type: bytes[end] << 8 | bytes[end + 1],
    class: bytes[end + 2] << 8 | bytes[end + 3],
  };
}

function readRecord(bytes: Uint8Array, reader: { offset: number }): ResourceRecord {
  const { name, end } = readName(bytes, reader.offset);
  if (end + 10 > bytes.length) throw new MessageError(`record ${name} runs past the end`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(end);
  const ttl = view.getUint32(end + 4);
  const length = view.getUint16(end + 8);
  const start = end + 10;
  if (start + length > bytes.length) throw new MessageError(`data of ${name} runs past the end`);
  reader.offset = start + length;
  return {
    name,
    class: view.getUint16(end + 2),
    ttl: ttl >= 0x80000000 ? 0 : ttl,
    data: readData(bytes, type, start, start + length, name),
  };
}

function readData(
  bytes: Uint8Array,
  type: number,
  start: number,
  end: number,
  owner: string,
): RecordData {
  const size = end - start;
  const expect = (wanted: boolean, what: string) => {
    if (!wanted) {
      throw new MessageError(`${what} record of ${owner || "."} has ${size} bytes of data`);
    }
  };
  switch (type) {
    case RecordType.A:
      expect(size === 4, "A");
      return { kind: "A", address: bytes.subarray(start, end).join(".") };
    case RecordType.AAAA: {
      expect(size === 16, "AAAA");
      return { kind: "AAAA", address: ipv6Text(bytes.subarray(start, end)) };
    }
    case RecordType.CNAME: {
      const { name, end: nameEnd } = readName(bytes, start);
      expect(nameEnd === end, "CNAME");
      return { kind: "CNAME", target: name };
    }
    case RecordType.SRV: {
      expect(size >= 7, "SRV");
      const u16 = (at: number) => bytes[at] << 8 | bytes[at + 1];
      const { name, end: nameEnd } = readName(bytes, start + 6);
      expect(nameEnd === end, "SRV");
      return {
        kind: "SRV",
        priority: u16(start),
        weight: u16(start + 2),
        port: u16(start + 4),
        target: name,
      };
    }
    default:
      return { kind: "other", type, bytes: bytes.slice(start, end) };
  }
}

/** RFC 5952 text of 16 bytes; an IPv4-mapped address keeps its `::ffff:` prefix. */
function ipv6Text(address: Uint8Array): string {
  const key = new Uint32Array(4);
  for (let w = 0; w < 4; w++) {
    key[w] = (address[4 * w] << 24 | address[4 * w + 1] << 16 | address[4 * w + 2] << 8 |
      address[4 * w + 3]) >>> 0;
  }
  const text = formatIp(key);
  return text.includes(":") ? text : `::ffff:${text}`;
}
