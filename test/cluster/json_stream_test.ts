/**
 * The JSON object splitter that parses etcd's watch stream: objects cut
 * across chunks at every possible byte, several per chunk, braces and
 * escaped quotes inside strings, and garbage between objects.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JsonObjectSplitter } from "../../src/cluster/json_stream.ts";

const MESSAGES = [
  { result: { header: { revision: "7" }, created: true } },
  { result: { events: [{ kv: { key: "e30=", value: "x" } }], note: 'a "}{" \\ b' } },
  { error: { grpc_code: 14, message: "etcdserver: no leader {" } },
];
const TEXT = MESSAGES.map((m) => JSON.stringify(m)).join("\n") + "\n";

describe("JsonObjectSplitter", () => {
  it("returns several objects from one chunk, in order", () => {
    assert.deepEqual(new JsonObjectSplitter().push(TEXT), MESSAGES);
  });

  it("reassembles objects cut at any position, also without separators", () => {
    for (const text of [TEXT, MESSAGES.map((m) => JSON.stringify(m)).join("")]) {
      for (let cut = 0; cut <= text.length; cut++) {
        const splitter = new JsonObjectSplitter();
        const got = [...splitter.push(text.slice(0, cut)), ...splitter.push(text.slice(cut))];
        assert.deepEqual(got, MESSAGES, `cut at ${cut}`);
        assert.equal(splitter.pending, "");
      }
    }
  });

  it("reassembles an object fed one character at a time", () => {
    const splitter = new JsonObjectSplitter();
    const got = [...TEXT].flatMap((char) => splitter.push(char));
    assert.deepEqual(got, MESSAGES);
  });

  it("keeps an unfinished object pending", () => {
    const splitter = new JsonObjectSplitter();
    assert.deepEqual(splitter.push('{"result":{"a":"}'), []);
    assert.equal(splitter.pending, '{"result":{"a":"}');
    assert.deepEqual(splitter.push('"}}'), [{ result: { a: "}" } }]);
  });

  it("rejects text between objects", () => {
    assert.throws(() => new JsonObjectSplitter().push('{"a":1} x {"b":2}'), /unexpected "x"/);
    assert.throws(() => new JsonObjectSplitter().push("}"), /unexpected "}"/);
  });
});
