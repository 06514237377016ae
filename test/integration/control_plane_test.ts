/**
 * The control plane at scale, over a real process: a signal that arrives
 * while a large config is still loading is not fatal, and reloads of a
 * large config do not stall a connection relayed meanwhile. (How long
 * things take is the benchmark's business, `deno task bench --control`;
 * here a stall only fails the test past a deadline of seconds.)
 *
 * @module
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync, readFileSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { waitUntil } from "../reliability/probe.ts";
import { bigConfig } from "../support/big_config.ts";
import { freePort, runDirector, tempDir, within } from "./harness.ts";
import { connect, echoBackend } from "./peers.ts";

/** A config of `services` × 20 hosts plus one service relaying to `echoPort`. */
async function largeConfig(services: number, echoPort: number) {
  const port = await freePort();
  const xml = bigConfig({
    services,
    hostsPerService: 20,
    // Out of the way of other tests, which listen on 127.0.0.1.
    listenHost: `127.0.${100 + Math.floor(Math.random() * 100)}.1`,
    basePort: 20000 + Math.floor(Math.random() * 10000),
    extraXml: `<service name="echo"><listen ip="127.0.0.1:${port}"/>
      <group name="g" scheduler="roundrobin"><host name="e" ip="127.0.0.1:${echoPort}"/></group>
      <enable group="g"/></service>`,
  });
  const path = join(tempDir(), "large.xml");
  writeFileSync(path, xml);
  return { path, port };
}

/** Has process `pid` a handler for SIGHUP (bit 0 of SigCgt in /proc/PID/status)? */
function catchesSighup(pid: number): boolean {
  try {
    const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

test("a SIGHUP while the config is still being read is not fatal: one reload once ready", async () => {
  const echo = await echoBackend();
  const { path: file, port } = await largeConfig(50, echo.port);
  // The config comes through a named pipe: Director blocks reading it until
  // the test writes it, so a SIGHUP can be sent while it is surely not loaded.
  const fifo = join(tempDir(), "director.xml");
  execFileSync("mkfifo", [fifo]);
  // Bounded: if Director never opens the pipe (it died, or does not read it
  // again), the write would block forever; fail with its output instead.
  const feed = () =>
    within(30_000, writeFile(fifo, readFileSync(file)), "Director reading the config pipe")
      .catch((error) => {
        // Release the blocked writer (a reader that opens and closes), so nothing is left pending.
        closeSync(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK));
        const output = director.output().slice(-2000);
        throw new Error(`${error.message}; exit ${director.proc.exitCode}; output:\n${output}`);
      });
  const director = runDirector(["--config", fifo]);
  try {
    await waitUntil(
      () => catchesSighup(director.pid),
      10_000,
      "a SIGHUP handler before the config",
    );
    director.signal("SIGHUP");
    await feed();
    await director.waitFor(/event=started/, 30_000);
    // The reload re-reads the file: the pipe again.
    await feed();
    await director.waitFor(/event=reloaded /, 30_000);
    const socket = await connect(port);
    const echoed = new Promise((resolve) => socket.once("data", resolve));
    socket.write("x");
    await within(5000, echoed, "an echo through the started Director");
    socket.destroy();
  } finally {
    await director.stop();
    await echo.close();
  }
});

test("reloads of a large config: a relayed connection keeps answering throughout", async () => {
  const echo = await echoBackend();
  const { path, port } = await largeConfig(400, echo.port);
  const director = runDirector(["--config", path]);
  let socket: net.Socket | undefined;
  try {
    await director.waitFor(/event=started/, 30_000);
    socket = await connect(port);
    let answered = 0, worst = 0, sentAt = 0;
    socket.on("data", () => {
      worst = Math.max(worst, performance.now() - sentAt);
      answered++;
    });
    // One ping in flight at a time, each with a deadline of seconds; three reloads meanwhile.
    const reloads = (async () => {
      for (let i = 1; i <= 3; i++) {
        director.signal("SIGHUP");
        await director.waitFor(new RegExp(`(event=reloaded [^\\n]*\\n[^]*){${i}}`), 30_000);
      }
    })();
    let done = false;
    void reloads.finally(() => done = true);
    while (!done) {
      const before = answered;
      sentAt = performance.now();
      socket!.write("ping");
      await within(
        3000,
        new Promise<void>((resolve) => {
          const check = () => (answered > before ? resolve() : setTimeout(check, 2));
          check();
        }),
        `an echo during the reloads (worst so far ${worst.toFixed(0)} ms)`,
      );
    }
    await reloads;
    assert.ok(answered > 0);
  } finally {
    socket?.destroy();
    await director.stop();
    await echo.close();
  }
});
