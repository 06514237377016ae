/**
 * The process: signals, drain, start-up failures and the command line.
 *
 * @module
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import {
  directorCommand,
  freePort,
  portIsFree,
  refusedSoon,
  runDirector,
  simpleConfig,
  sleep,
  startDirector,
  tempDir,
  within,
} from "./harness.ts";
import { connect, echoBackend, readAll, readConn, startServer } from "./peers.ts";
import { skipUnless } from "../support/skip.ts";
import { waitUntil } from "../support/wait.ts";

const FIXTURE = new URL("../fixtures/legacy-config.xml", import.meta.url).pathname;

test("SIGTERM stops accepting at once, lets open connections finish, then exits 0", async () => {
  const echo = await echoBackend();
  const port = await freePort();
  const director = await startDirector(simpleConfig({ listen: port, hosts: [echo.port] }));
  try {
    const held = await connect(port);
    // Wait for the echo so the connection is relayed, not just queued in the kernel.
    held.write("before ");
    await within(5000, new Promise((r) => held.once("data", r)), "first echo");
    const reply = readAll(held);
    director.signal("SIGTERM");
    await director.waitFor(/event=draining signal=SIGTERM open=1/);
    // The port refuses new clients now…
    await refusedSoon(port);
    // …while the open connection still flows both ways.
    held.end("after");
    assert.equal((await within(5000, reply, "held reply")).toString(), "after");
    assert.equal(await within(5000, director.exited, "exit"), 0);
    assert.match(director.output(), /event=stopped/);
  } finally {
    await director.stop();
    await echo.close();
  }
});

test("a second SIGTERM exits at once even with connections open", async () => {
  const silent = await startServer((conn) => readConn(conn));
  const port = await freePort();
  const director = await startDirector(simpleConfig({ listen: port, hosts: [silent.port] }));
  try {
    const held = await connect(port);
    held.on("error", () => {});
    await waitUntil(() => silent.accepted === 1, 10_000, "the connection relayed");
    director.signal("SIGTERM");
    await director.waitFor(/event=draining/);
    director.signal("SIGTERM");
    // Without the second signal the drain would wait for the held connection forever.
    assert.equal(await within(10_000, director.exited, "exit"), 1);
    held.destroy();
  } finally {
    await director.stop();
    await silent.close();
  }
});

test("a port already in use is one clear line and a non-zero exit", async () => {
  const busy = await startServer(() => {});
  const free = await freePort();
  const dir = tempDir();
  const config = join(dir, "c.xml");
  writeFileSync(config, simpleConfig({ listen: [free, busy.port], hosts: [busy.port] }));
  try {
    const director = runDirector(["--config", config]);
    const code = await within(10_000, director.exited, "exit");
    assert.notEqual(code, 0);
    assert.match(
      director.output(),
      new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${busy.port}: address already in use`),
    );
    // Nothing half-started: the other address was released again.
    await assert.rejects(connect(free), /ECONNREFUSED/);
  } finally {
    await busy.close();
  }
});

test("--check validates the legacy fixture without binding anything", async () => {
  const director = runDirector(["--check", "--config", FIXTURE]);
  assert.equal(await within(10_000, director.exited, "exit"), 0);
  assert.match(director.stdout(), /^service shop: listen \*:19080, /m);
  assert.match(director.stdout(), /^service mail: /m);
  assert.match(director.stdout(), /OK/);
});

test("--check reports a broken config with file and line, exit non-zero", async () => {
  const dir = tempDir();
  const config = join(dir, "broken.xml");
  writeFileSync(config, `<pdconfig>\n  <service name="x">\n    <listen ip="127.0.0.1:99999"/>\n`);
  const director = runDirector(["--check", "--config", config]);
  assert.equal(await within(10_000, director.exited, "exit"), 1);
  assert.match(director.output(), new RegExp(`${config}:\\d+:\\d+: `));
});

test("an unreadable config file is one clear line and exit 1", async () => {
  const director = runDirector(["--config", "/nonexistent/director.xml"]);
  assert.equal(await within(10_000, director.exited, "exit"), 1);
  assert.match(director.output(), /Cannot read config \/nonexistent\/director\.xml/);
});

/**
 * The runtime the process under test must be running on: what the test
 * runner says it started (`DIRECTOR_EXPECT_RUNTIME`, set by `tools/test.ts`
 * for each run), else what `DIRECTOR_CMD` names (`deno …`, else Bun: `bun …`
 * or the binary, which `bun build --compile` makes).
 */
function expectedRuntime(): "deno" | "bun" {
  const told = process.env.DIRECTOR_EXPECT_RUNTIME;
  if (told === "deno" || told === "bun") return told;
  return /(^|\/)deno(\.exe)?$/.test(directorCommand()[0]) ? "deno" : "bun";
}

test("the Director under test runs on the runtime this run is for", async () => {
  const runtime = expectedRuntime();
  const version = runDirector(["--version"]);
  assert.equal(await within(10_000, version.exited, "exit"), 0);
  assert.match(version.stdout(), new RegExp(`^director \\d+\\.\\d+\\.\\d+ \\(${runtime}[ -]`));
  const port = await freePort();
  const director = await startDirector(simpleConfig({ listen: port, hosts: [await freePort()] }));
  try {
    assert.match(director.output(), new RegExp(`event=started .*runtime=${runtime}-\\d`));
  } finally {
    await director.stop();
  }
});

test("--version and --help answer; an unknown option exits 2", async () => {
  const version = runDirector(["--version"]);
  assert.equal(await within(10_000, version.exited, "exit"), 0);
  assert.match(version.stdout(), /^director \d+\.\d+\.\d+ \((deno|bun)/);
  const help = runDirector(["--help"]);
  assert.equal(await within(10_000, help.exited, "exit"), 0);
  assert.match(help.stdout(), /--config FILE/);
  const bad = runDirector(["--frobnicate"]);
  assert.equal(await within(10_000, bad.exited, "exit"), 2);
  assert.match(bad.output(), /frobnicate/);
});

// The demo uses fixed ports; the test is skipped (not passed) if something else holds them.
const DEMO_PORTS = [8080, 8081, 9001, 9002, 9003];
const demoPortsFree = (await Promise.all(DEMO_PORTS.map(portIsFree))).every(Boolean);

test(
  "--demo serves the embedded config, balancing the demo backends",
  skipUnless(demoPortsFree, `a demo port is in use (${DEMO_PORTS.join(", ")})`),
  async () => {
    const director = runDirector(["--demo"]);
    try {
      await director.waitFor(/event=started/);
      const names = [];
      for (let i = 0; i < 3; i++) {
        const socket = await connect(8080);
        const reply = readAll(socket);
        socket.end("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        names.push(
          (await within(5000, reply, "demo reply")).toString().match(/served by (demo-\d)/)?.[1],
        );
      }
      assert.deepEqual(names.sort(), ["demo-1", "demo-2", "demo-3"]);
    } finally {
      await director.stop();
    }
  },
);

test("hash-password reads stdin and prints a bcrypt hash that verifies", async () => {
  const { spawnSync } = await import("node:child_process");
  const { directorCommand } = await import("./harness.ts");
  const { verifyPassword } = await import("../../src/passwords/passwords.ts");
  const [cmd, ...base] = directorCommand();
  const run = spawnSync(cmd, [...base, "hash-password"], {
    input: "correct horse\n",
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const hash = run.stdout.trim();
  assert.match(hash, /^\$2b\$12\$/);
  assert.equal(await verifyPassword("correct horse", hash), true);
  assert.doesNotMatch(run.stdout + run.stderr, /correct horse/);
});

test("--check names a user whose password is not a supported hash", async () => {
  const dir = tempDir();
  const config = join(dir, "plain.xml");
  writeFileSync(
    config,
    simpleConfig({ listen: 1, hosts: [2] }).replace(
      "</pdconfig>",
      `<admin listen="127.0.0.1:3"><user name="ops" password="hunter2" access="full"/></admin></pdconfig>`,
    ),
  );
  const director = runDirector(["--check", "--config", config]);
  assert.equal(await within(10_000, director.exited, "exit"), 1);
  assert.match(director.output(), /<user name="ops">: password is not a supported crypt hash/);
  assert.doesNotMatch(director.output(), /hunter2/);
});

test("SIGUSR1 re-opens the log file after logrotate moved it", async () => {
  const { existsSync, readFileSync, renameSync } = await import("node:fs");
  const fileHas = (path: string, pattern: RegExp) =>
    within(
      10_000,
      (async () => {
        while (!(existsSync(path) && pattern.test(readFileSync(path, "utf8")))) await sleep(50);
      })(),
      `${pattern} in ${path}`,
    );
  const port = await freePort();
  const dir = tempDir();
  const logFile = join(dir, "director.log");
  const config = join(dir, "c.xml");
  writeFileSync(
    config,
    simpleConfig({ listen: port, hosts: [port + 1] }).replace(
      "</pdconfig>",
      `<logging file="${logFile}"/></pdconfig>`,
    ),
  );
  const director = runDirector(["--config", config]);
  try {
    await fileHas(logFile, /event=started/);
    renameSync(logFile, `${logFile}.1`); // what logrotate does
    director.signal("SIGUSR1");
    await fileHas(logFile, /event=log_reopened/);
    // New events go to the new file, none to the rotated one.
    await connect(port).then((s) => s.destroy()).catch(() => {});
    await fileHas(logFile, /event=host_bad/);
    assert.doesNotMatch(readFileSync(`${logFile}.1`, "utf8"), /host_bad/);
    assert.equal(director.output(), ""); // nothing on stderr with a log file
  } finally {
    await director.stop();
  }
});
