/**
 * The compiled binary stands alone: copied out of the repository and run
 * from an empty directory with an empty `PATH` (no Deno, Bun or Node to
 * find), it answers `--version`, checks its embedded config and a config
 * file, and serves traffic.
 *
 * These tests run when `DIRECTOR_CMD` is a compiled binary: a single word
 * that is not `deno`, `bun` or `node` (the `[binary]` run of `deno task
 * test` sets it to `dist/director`). In the other runs they are skipped, so
 * a stale `dist/director` can never fail or pass the `deno`/`bun` runs.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Buffer } from "node:buffer";
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type net from "node:net";
import { basename, join } from "node:path";
import { after, test } from "node:test";
import {
  directorCommand,
  freePort,
  refusedSoon,
  ROOT,
  runDirector,
  simpleConfig,
  sleep,
  tempDir,
  within,
} from "./harness.ts";
import { connect, echoBackend, namedBackend, whoAnswers } from "./peers.ts";
import { skipUnless } from "../support/skip.ts";

const command = directorCommand();
const isBinary = command.length === 1 &&
  !/^(deno|bun|node)(\.exe)?$/.test(basename(command[0]));
const onlyBinary = skipUnless(isBinary, "DIRECTOR_CMD is not a compiled binary");
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;

/** No PATH to find a runtime on, and nothing else from the test's environment. */
const BARE_ENV = { PATH: "" };

const made: string[] = [];
let copy: string | undefined;
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A copy of the binary outside the repository (made once), and a new empty working directory. */
function isolated(): { binary: string; cwd: string } {
  if (!copy) {
    const dir = tempDir();
    made.push(dir);
    copy = join(dir, "director");
    copyFileSync(command[0], copy);
  }
  const cwd = tempDir();
  made.push(cwd);
  return { binary: copy, cwd };
}

function runIsolated(args: string[], where = isolated()) {
  return runDirector(args, { command: [where.binary], cwd: where.cwd, env: BARE_ENV });
}

test("the binary prints its version with an empty PATH", onlyBinary, async () => {
  const director = runIsolated(["--version"]);
  assert.equal(await within(10_000, director.exited, "exit"), 0);
  const escaped = VERSION.replaceAll(".", "\\.");
  assert.match(
    director.stdout(),
    new RegExp(`^director ${escaped} \\(bun \\d+\\.\\d+\\.\\d+\\)\\n$`),
  );
});

test("--check without --config validates the embedded default config", onlyBinary, async () => {
  const where = isolated();
  const director = runIsolated(["--check"], where);
  assert.equal(await within(10_000, director.exited, "exit"), 0, director.output());
  assert.match(director.stdout(), /^\d+ services?\n/);
  assert.match(director.stdout(), /\(embedded default\): OK\n$/);
  assert.deepEqual(readdirSync(where.cwd), [], "nothing written to the working directory");
});

test("--check --config reads a file relative to the working directory", onlyBinary, async () => {
  const where = isolated();
  writeFileSync(join(where.cwd, "director.xml"), simpleConfig({ listen: 1, hosts: [2] }));
  const director = runIsolated(["--check", "--config", "director.xml"], where);
  assert.equal(await within(10_000, director.exited, "exit"), 0, director.output());
  assert.match(director.stdout(), /service svc: listen 127\.0\.0\.1:1/);
  assert.match(director.stdout(), /director\.xml: OK\n$/);
});

test(
  "the binary serves traffic from a config file, then drains on SIGTERM",
  onlyBinary,
  async () => {
    const one = await namedBackend("one");
    const two = await namedBackend("two");
    const echo = await echoBackend();
    const where = isolated();
    const [port, echoPort] = [await freePort(), await freePort()];
    writeFileSync(
      join(where.cwd, "director.xml"),
      simpleConfig({ listen: port, hosts: [one.port, two.port] }).replace(
        "</pdconfig>",
        `<service name="echo"><listen ip="127.0.0.1:${echoPort}"/>
          <group name="e" scheduler="roundrobin"><host name="echo" ip="127.0.0.1:${echo.port}"/></group>
          <enable group="e"/></service></pdconfig>`,
      ),
    );
    const director = runIsolated(["--config", "director.xml"], where);
    try {
      await director.waitFor(/event=started .*runtime=bun-/);
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await whoAnswers(port));
      assert.deepEqual(answers, ["one", "two", "one", "two"]);
      // A connection held across the signal: it keeps working, and Director waits for it.
      const held = await connect(echoPort);
      await echoes(held, "hello1");
      director.signal("SIGTERM");
      await director.waitFor(/event=draining signal=SIGTERM open=1/);
      await refusedSoon(port, 5000);
      await refusedSoon(echoPort, 5000);
      await echoes(held, "hello2");
      const stillRunning = await Promise.race([director.exited.then(() => false), sleep(300)]);
      assert.notEqual(stillRunning, false, "exited while a connection was open");
      held.end();
      assert.equal(await within(5000, director.exited, "exit"), 0);
      assert.match(director.output(), /event=stopped signal=SIGTERM/);
    } finally {
      await director.stop();
      await one.close();
      await two.close();
      await echo.close();
    }
  },
);

/** Write `text` on `socket` and wait until the echo backend's copy of it comes back. */
async function echoes(socket: net.Socket, text: string): Promise<void> {
  let got = "";
  const back = new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      got += d;
      if (got.endsWith(text)) {
        socket.off("data", onData);
        resolve();
      }
    };
    socket.on("data", onData);
  });
  socket.write(text);
  await within(5000, back, `the echo of ${text}`);
}
