/**
 * Plain-text helpers of the admin views: the field encoding of
 * `/running.txt` records (`running_text.ts`), and `/config-vs-running` as a
 * line diff.
 *
 * Legacy scripts split lines on white space, so names are written with
 * white space and control characters percent-encoded (`%20`, `%0A`, `%25`).
 *
 * @module
 */
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

/** Longest-common-subsequence table, for the line diff of what differs. */
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
 * Above this many table cells the middle is shown as removed then added
 * rather than aligned: the table is quadratic, and 20,000 hosts' worth of
 * lines on each side would take gigabytes.
 */
const MAX_TABLE_CELLS = 1_000_000;

/** The diff of two runs of lines that share no prefix or suffix. */
function middleDiff(a: string[], b: string[], out: string[]): void {
  if (a.length * b.length > MAX_TABLE_CELLS) {
    for (const line of a) out.push(`- ${line}`);
    for (const line of b) out.push(`+ ${line}`);
    return;
  }
  const table = lcs(a, b);
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
}

/**
 * A readable line diff of two texts: unchanged lines start with two spaces,
 * removed ones with `- `, added ones with `+ `. Empty when equal. The
 * common first and last lines are matched directly, so a few changes in
 * a large config cost time linear in its size.
 */
export function lineDiff(before: string, after: string): string {
  if (before === after) return "";
  const a = before.split("\n"), b = after.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head && tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) tail++;
  const out = a.slice(0, head).map((line) => `  ${line}`);
  middleDiff(a.slice(head, a.length - tail), b.slice(head, b.length - tail), out);
  for (const line of a.slice(a.length - tail)) out.push(`  ${line}`);
  return out.join("\n").trimEnd() + "\n";
}
