/**
 * Server-name patterns for SNI routing: an exact host name
 * (`api.example.com`) or a wildcard `*.example.com`, where `*` stands for
 * one or more whole labels — so it matches `a.example.com` and
 * `a.b.example.com` but not `example.com` (unlike a certificate wildcard,
 * which covers exactly one label; routing wants the whole subtree).
 *
 * Names compare case-insensitively, and one trailing dot is ignored on both
 * sides. A pattern is a host name in the strict sense (RFC 1123): letters,
 * digits and hyphens, no label starting or ending with a hyphen, labels of
 * 1–63 characters, at most 253 characters in all.
 *
 * @module
 */
import { PolicySyntaxError } from "./errors.ts";

export interface SniPattern {
  /** The pattern as written. */
  readonly text: string;
  /** `exact`: the whole name; `subdomains`: any name ending in `.` + `suffix`. */
  readonly kind: "exact" | "subdomains";
  /** The name (exact) or the part after `*.` (subdomains), lower-case, no trailing dot. */
  readonly suffix: string;
}

const MAX_NAME = 253;
const MAX_LABEL = 63;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** Parses a pattern; throws `Cannot use SNI pattern "…": reason`. */
export function parseSniPattern(text: string): SniPattern {
  const fail = (reason: string): never => {
    throw new PolicySyntaxError(`SNI pattern "${text}"`, reason);
  };
  // Checked before lower-casing: "\u212a".toLowerCase() is an ASCII "k".
  if (!/^[A-Za-z0-9.*-]*$/.test(text)) fail("only letters, digits, hyphens and dots are allowed");
  const name = text.toLowerCase();
  const wildcard = name.startsWith("*.");
  let suffix = wildcard ? name.slice(2) : name;
  if (suffix.endsWith(".")) suffix = suffix.slice(0, -1);
  if (suffix === "") fail(wildcard ? "a wildcard needs a domain after *." : "it is empty");
  if (suffix.includes("*")) fail("* may only stand as the first label, as in *.example.com");
  // The shortest name a wildcard matches has one more label: "x." + suffix.
  const limit = wildcard ? MAX_NAME - 2 : MAX_NAME;
  if (suffix.length > limit) fail(`longer than ${MAX_NAME} characters`);
  for (const label of suffix.split(".")) {
    if (label === "") fail("it has an empty label");
    if (label.length > MAX_LABEL) fail(`label "${label}" is longer than ${MAX_LABEL} characters`);
    if (!LABEL.test(label)) {
      fail(`label "${label}" is not letters, digits and inner hyphens`);
    }
  }
  return { text, kind: wildcard ? "subdomains" : "exact", suffix };
}

/**
 * Whether `serverName` (as `inspectClientHello` returns it, or any case,
 * with or without one trailing dot) matches the pattern. Compares in place:
 * no lower-casing copy.
 */
export function matchesSni(pattern: SniPattern, serverName: string): boolean {
  const suffix = pattern.suffix;
  let end = serverName.length;
  if (end > 0 && serverName.charCodeAt(end - 1) === 0x2e) end--;
  if (pattern.kind === "exact") {
    return end === suffix.length && sameIgnoringCase(serverName, 0, suffix);
  }
  // At least one label, then a dot, then the suffix.
  const start = end - suffix.length;
  if (start < 2 || serverName.charCodeAt(start - 1) !== 0x2e) return false;
  if (serverName.charCodeAt(0) === 0x2e || serverName.charCodeAt(start - 2) === 0x2e) return false;
  return sameIgnoringCase(serverName, start, suffix);
}

/** Whether `text` from `offset` starts with `lower` (already lower-case), ASCII case-folded. */
function sameIgnoringCase(text: string, offset: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    let code = text.charCodeAt(offset + i);
    if (code >= 0x41 && code <= 0x5a) code += 0x20;
    if (code !== lower.charCodeAt(i)) return false;
  }
  return true;
}
