/**
 * `/metrics` and the access log follow real traffic through a running
 * Director.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { freePort, startDirector, tempDir } from "./harness.ts";
import { echoBackend, exchange, payload } from "./peers.ts";
import { waitUntil } from "../support/wait.ts";

const HASH = await hashPassword("m-secret", 4);

test("metrics and access log lines match the connections made", async () => {
  const echo = await echoBackend();
  const dead = await freePort();
  const [port, adminPort] = [await freePort(), await freePort()];
  const accessFile = join(tempDir(), "access.log");
  const director = await startDirector(`<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="roundrobin">
      <host name="dead" ip="127.0.0.1:${dead}"/>
      <host name="echo" ip="127.0.0.1:${echo.port}"/>
    </group>
    <enable group="main"/>
  </service>
  <admin listen="127.0.0.1:${adminPort}"><user name="ops" password="${HASH}" access="full"/></admin>
  <logging access-file="${accessFile}"/>
</pdconfig>`);
  try {
    const sizes = [1000, 20_000, 300_000];
    for (const [i, size] of sizes.entries()) {
      const reply = await exchange(port, payload(size, i + 1));
      assert.equal(reply.length, size);
    }
    // Counters are updated when a connection finishes: wait until the last one is
    // counted (the bytes of all three), then check every counter exactly.
    const total = sizes.reduce((a, b) => a + b, 0);
    const scrape = async () =>
      await (await fetch(`http://127.0.0.1:${adminPort}/metrics`, {
        headers: { authorization: "Basic " + btoa("ops:m-secret") },
      })).text();
    let metrics = "";
    const value = (name: string, host: string, extra = "") => {
      const re = new RegExp(
        `^${name}\\{service="web",group="main",host="${host}",address="[^"]+"${extra}\\} (\\d+)$`,
        "m",
      );
      return Number(metrics.match(re)?.[1]);
    };
    await waitUntil(
      async () => {
        metrics = await scrape();
        return value("director_host_bytes_out_total", "echo") >= total &&
          value("director_host_connections_total", "echo") >= 3;
      },
      10_000,
      "the last connection counted",
    );
    assert.equal(value("director_host_connections_total", "echo"), 3);
    assert.equal(value("director_host_bytes_in_total", "echo"), total);
    assert.equal(value("director_host_bytes_out_total", "echo"), total);
    assert.equal(value("director_host_connect_failures_total", "dead", ',reason="refused"'), 1);
    assert.equal(value("director_host_up", "dead"), 0);

    await waitUntil(
      () => existsSync(accessFile) && readFileSync(accessFile, "utf8").split("\n").length >= 4,
      10_000,
      "access log lines",
    );
    const lines = readFileSync(accessFile, "utf8").trim().split("\n");
    assert.equal(lines.length, 3);
    lines.forEach((line, i) => {
      assert.match(
        line,
        /^\S+Z level=info event=access service=web group=main client=127\.0\.0\.1:\d+ host=echo /,
      );
      assert.match(line, new RegExp(` bytes_in=${sizes[i]} bytes_out=${sizes[i]} `));
      assert.match(line, / connect_ms=\d+\.\d duration_ms=\d+\.\d /);
      assert.match(line, / end=(client|backend)_closed failovers=\d$/);
    });
    assert.match(lines[0], /failovers=1$/); // the first one tried "dead" first
    // Access lines go to their own file, not to the event log.
    assert.doesNotMatch(director.output(), /event=access/);
  } finally {
    await director.stop();
    await echo.close();
  }
});
