/**
 * Plain-text admin views: `/running.txt` in pythondirector's line format,
 * and `/config-vs-running` as a unified diff.
 *
 * `/running.txt` keeps the legacy records exactly, one per line:
 *
 * ```
 * service NAME LISTEN ENABLED-GROUP     (one line per listen address)
 * group NAME enabled|inactive
 * host NAME IP OPEN -                   (a host taking connections)
 * disabled NAME IP REASON -             (a bad or admin-down host)
 * backup GROUP active|standby           (Director only: the backup group)
 * ```
 *
 * The `backup` record is new; legacy parsers skip line kinds they do not know.
 *
 * Legacy scripts split lines on white space, so names are written with
 * white space and control characters percent-encoded (`%20`, `%0A`, `%25`).
 *
 * @module
 */
import type { StatusSnapshot } from "./status.ts";

/** White space, control characters and `%` itself: what `field` encodes. */
// deno-lint-ignore no-control-regex -- control characters are what must be encoded
const UNSAFE_IN_FIELD = /[%\s\x00-\x1f\x7f]/g;

/** Percent-encode what would break a white-space-separated record. */
export function field(value: string): string {
  return value.replace(
    UNSAFE_IN_FIELD,
    // ASCII as %XX; anything else as the %XX of its UTF-8 bytes, so every field decodes.
    (c) =>
      c < "\x80"
        ? "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")
        : encodeURIComponent(c),
  );
}

export function runningText(status: StatusSnapshot): string {
  const lines: string[] = [];
  for (const service of status.services) {
    for (const listen of service.listen) {
      lines.push(`service ${field(service.name)} ${field(listen)} ${field(service.enabledGroup)}`);
    }
    if (service.backupGroup !== null) {
      lines.push(
        `backup ${field(service.backupGroup)} ${service.backupActive ? "active" : "standby"}`,
      );
    }
    for (const group of service.groups) {
      lines.push(`group ${field(group.name)} ${group.enabled ? "enabled" : "inactive"}`);
      for (const host of group.hosts) {
        if (host.state === "up") {
          lines.push(`host ${field(host.name)} ${field(host.ip)} ${host.open} -`);
        } else {
          const reason = host.state === "admin-down" ? "admin-down" : host.bad!.reason;
          // The reason is free text: only line breaks would break the record.
          lines.push(
            `disabled ${field(host.name)} ${field(host.ip)} ${reason.replace(/[\r\n]+/g, " ")} -`,
          );
        }
      }
    }
  }
  return lines.join("\n") + "\n";
}

/** Longest-common-subsequence table, for the line diff (configs are small). */
function lcs(a: string[], b: string[]): number[][] {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i][j] = a[i] === b[j]
        ? table[i + 1][j + 1] + 1
        : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  return table;
}

/**
 * A readable line diff of two texts: unchanged lines start with two spaces,
 * removed ones with `- `, added ones with `+ `. Empty when equal.
 */
export function lineDiff(before: string, after: string): string {
  const a = before.split("\n"), b = after.split("\n");
  if (before === after) return "";
  const table = lcs(a, b);
  const out: string[] = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i++]}`);
      j++;
    } else if (j < b.length && (i === a.length || table[i][j + 1] >= table[i + 1][j])) {
      out.push(`+ ${b[j++]}`);
    } else {
      out.push(`- ${a[i++]}`);
    }
  }
  return out.join("\n").trimEnd() + "\n";
}
