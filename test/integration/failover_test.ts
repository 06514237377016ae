/**
 * Transparent failover and recovery over real sockets: a host that refuses
 * or never answers is marked bad and the client is served by another; with
 * every host down the client is closed promptly; a bad host comes back only
 * after checktime, and only once it answers.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort, simpleConfig, startDirector, within } from "./harness.ts";
import { blackholePort, connect, exchange, namedBackend, readAll, whoAnswers } from "./peers.ts";
import { requireTool } from "../support/skip.ts";

test("a refused connect fails over to the next host and marks the host bad", async () => {
  const dead = await freePort(); // nothing listens there
  const alive = await namedBackend("alive");
  const port = await freePort();
  const director = await startDirector(simpleConfig({ listen: port, hosts: [dead, alive.port] }));
  try {
    for (let i = 0; i < 4; i++) assert.equal(await whoAnswers(port), "alive");
    await director.waitFor(
      /event=host_bad service=svc group=main host=h0 .*reason="connection refused"/,
    );
    // Once bad, the dead host is not tried again: one failure logged, not four.
    assert.equal(director.output().match(/event=host_bad/g)?.length, 1);
  } finally {
    await director.stop();
    await alive.close();
  }
});

test(
  "a connect that times out fails over within the group's connect-timeout",
  requireTool("python3"),
  async () => {
    const hole = await blackholePort();
    const alive = await namedBackend("alive");
    const port = await freePort();
    const director = await startDirector(simpleConfig({
      listen: port,
      hosts: [hole.port, alive.port],
      groupAttrs: 'connect-timeout="0.5"',
    }));
    try {
      assert.equal(await whoAnswers(port), "alive");
      // Failed over because the connect timed out (Director's own timer, not the test's clock).
      await director.waitFor(/event=host_bad .*host=h0 .*reason="connect timeout after 500 ms"/);
    } finally {
      await director.stop();
      await alive.close();
      hole.close();
    }
  },
);

test(
  "with every host down the client is closed once the connects fail, not left hanging",
  requireTool("python3"),
  async () => {
    const hole = await blackholePort();
    const dead = await freePort();
    const port = await freePort();
    const director = await startDirector(simpleConfig({
      listen: port,
      hosts: [dead, hole.port],
      groupAttrs: 'connect-timeout="1"',
    }));
    try {
      const socket = await connect(port);
      socket.write("hello");
      const reply = await within(10_000, readAll(socket).catch(() => Buffer.alloc(0)), "close");
      assert.equal(reply.length, 0);
      await director.waitFor(/event=no_host service=svc group=main/);
      await director.waitFor(/event=host_bad .*host=h1 .*timeout/);
      // Nothing healthy left: the next client is closed too, with no new host marked bad.
      assert.equal((await exchange(port)).length, 0);
      assert.equal(director.output().match(/event=host_bad /g)?.length, 2);
    } finally {
      await director.stop();
      hole.close();
    }
  },
);

test("a bad host is re-added after checktime, not before, and only once it answers", async () => {
  const flaky = await freePort();
  const steady = await namedBackend("steady");
  const port = await freePort();
  const director = await startDirector(
    simpleConfig({ listen: port, hosts: [flaky, steady.port], checktime: 2 }),
  );
  let revived: Awaited<ReturnType<typeof namedBackend>> | undefined;
  try {
    assert.equal(await whoAnswers(port), "steady"); // flaky refused: marked bad
    const [bad] = await director.waitFor(/^\S+(?= level=\w+ event=host_bad .*host=h0)/m);
    revived = await namedBackend("revived", flaky);
    // It answers now, but stays out until checktime has passed: by Director's own
    // clock (its log), host_up comes at least 2 s after host_bad — never earlier.
    const [up] = await director.waitFor(
      /^\S+(?= level=\w+ event=host_up .*host=h0 .*why=probe_ok)/m,
      10_000,
    );
    const upAfter = Date.parse(up) - Date.parse(bad);
    assert.ok(upAfter >= 1900, `re-added ${upAfter} ms after it went bad (checktime 2 s)`);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await whoAnswers(port));
    assert.deepEqual([...seen].sort(), ["revived", "steady"]);
  } finally {
    await director.stop();
    await steady.close();
    await revived?.close();
  }
});

test("a bad host that still refuses stays bad, with the reason updated", async () => {
  const dead = await freePort();
  const steady = await namedBackend("steady");
  const port = await freePort();
  const director = await startDirector(
    simpleConfig({ listen: port, hosts: [dead, steady.port], checktime: 1 }),
  );
  try {
    assert.equal(await whoAnswers(port), "steady");
    await director.waitFor(/event=host_still_bad .*host=h0 .*reason="connection refused"/, 15_000);
    assert.doesNotMatch(director.output(), /event=host_up/);
  } finally {
    await director.stop();
    await steady.close();
  }
});

test("when every host is bad, recovery probes at once and service resumes", async () => {
  const only = await freePort();
  const port = await freePort();
  const director = await startDirector(simpleConfig({ listen: port, hosts: [only] }));
  let revived: Awaited<ReturnType<typeof namedBackend>> | undefined;
  try {
    assert.equal((await exchange(port)).length, 0); // the only host is down
    await director.waitFor(/event=host_bad/);
    revived = await namedBackend("back", only);
    // checktime is 120 s, but an all-bad group is probed every round.
    await director.waitFor(/event=host_up .*why=probe_ok/, 15_000);
    assert.equal(await whoAnswers(port), "back");
  } finally {
    await director.stop();
    await revived?.close();
  }
});
