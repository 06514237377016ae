/**
 * `lineDiff` (`/config-vs-running`): unchanged lines, removed and added
 * ones, and — on any pair of texts — a diff from which both texts read
 * back.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lineDiff } from "../../src/admin/views/text.ts";
import { prng } from "../fuzz/prng.ts";

/** The two texts a diff describes: context and `-` lines, context and `+` lines. */
function sides(diff: string): [string, string] {
  const before: string[] = [], after: string[] = [];
  for (const line of diff.replace(/\n$/, "").split("\n")) {
    const [mark, text] = [line.slice(0, 2), line.slice(2)];
    if (mark !== "+ ") before.push(text);
    if (mark !== "- ") after.push(text);
  }
  return [before.join("\n"), after.join("\n")];
}

describe("lineDiff", () => {
  it("marks removed and added lines among unchanged ones", () => {
    assert.equal(lineDiff("a\nb\nc\n", "a\nb\nc\n"), "");
    assert.equal(lineDiff("a\nb\nc\n", "a\nx\nc\n"), "  a\n+ x\n- b\n  c\n");
    assert.equal(lineDiff("a\nc\n", "a\nb\nc\n"), "  a\n+ b\n  c\n");
  });

  it("gives a diff that reads back as both texts, for random texts", () => {
    const rng = prng(19);
    for (let run = 0; run < 300; run++) {
      const text = () =>
        Array.from({ length: rng.int(12) }, () => rng.pick(["a", "b", "c", "d"])).join("\n");
      const a = text(), b = text();
      const diff = lineDiff(a, b);
      if (a === b) {
        assert.equal(diff, "");
        continue;
      }
      const [before, after] = sides(diff);
      assert.equal(before.trimEnd(), a.trimEnd(), JSON.stringify([a, b, diff]));
      assert.equal(after.trimEnd(), b.trimEnd(), JSON.stringify([a, b, diff]));
    }
  });

  it("handles two large texts with changes far apart (no quadratic table)", () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i}`);
    const changed = [...lines];
    changed[10] = "first change";
    changed[29_000] = "last change";
    const diff = lineDiff(lines.join("\n"), changed.join("\n"));
    const marked = diff.split("\n").filter((line) => /^[+-] /.test(line));
    assert.ok(marked.includes("+ first change") && marked.includes("+ last change"));
    assert.deepEqual(sides(diff), [lines.join("\n"), changed.join("\n")]);
  });
});
