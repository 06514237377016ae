/**
 * Out of descriptors: Director runs under `ulimit -n 256` (soft and hard,
 * so it cannot raise it) and 1,000 clients arrive, 400 at a time, the first
 * wave holding its connections for a few seconds. Director must serve what
 * its descriptors allow, log `accept_error` at most about once a second,
 * not crash, and serve normally (data plane and admin) once the clients
 * have gone.
 *
 * Two shapes: one service, whose default `maxconn` (derived from the limit)
 * keeps Director below the limit, so surplus clients wait in the backlog;
 * and two services, whose default limits together exceed what the process
 * can hold, so Director really runs out of descriptors.
 *
 * @module
 */
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { freePort } from "../integration/harness.ts";
import { echoBackend } from "../integration/peers.ts";
import { type ClientResult, pool, talk, tally } from "./faults.ts";
import {
  admin,
  alive,
  configWithAdmin,
  fdCount,
  startDirectorUnderShell,
  waitUntil,
} from "./probe.ts";

const LIMIT = 256;
const ATTEMPTS = 1000;
const PARALLEL = 400;
/**
 * Served clients keep their connection until this long after the start (so
 * the first wave runs Director out of descriptors), later ones briefly.
 */
const RELEASE_MS = 4000;
const BRIEF_HOLD_MS = 200;

interface Flood {
  results: ClientResult[];
  seconds: number;
  served: number;
  fdsAtStart: number;
  fdsMax: number;
  acceptErrors: number;
  output: string;
  /** 50 exchanges made as soon as the flood's descriptors were released. */
  after: ClientResult[];
}

function assertServedAfter(seen: Flood): void {
  const ok = seen.after.filter((r) => r.head === "after\n").length;
  assert.equal(
    ok,
    seen.after.length,
    `right after the flood: ${JSON.stringify(tally(seen.after))}`,
  );
}

/**
 * Start Director under the limit with `services` services on one echo
 * backend, flood it, check it recovers; returns what was seen.
 */
async function flood(services: number): Promise<Flood> {
  const echo = await echoBackend();
  const ports: number[] = [];
  for (let i = 0; i < services; i++) ports.push(await freePort());
  const adminPort = await freePort();
  const director = await startDirectorUnderShell(
    configWithAdmin(
      ports.map((listen) => ({ listen, hosts: [echo.port], groupAttrs: 'connect-timeout="2"' })),
      adminPort,
      { checktime: 2 },
    ),
    `ulimit -n ${LIMIT}`,
  );
  const api = admin(adminPort);
  try {
    const limits = await Deno.readTextFile(`/proc/${director.pid}/limits`);
    assert.equal(Number(limits.match(/Max open files\s+(\d+)/)?.[1]), LIMIT);
    const fdsAtStart = fdCount(director.pid);
    let fdsMax = fdsAtStart;
    const sampler = setInterval(() => {
      if (alive(director.pid)) fdsMax = Math.max(fdsMax, fdCount(director.pid));
    }, 50);

    const started = Date.now();
    let results;
    try {
      const releaseAt = started + RELEASE_MS;
      results = await pool(ATTEMPTS, PARALLEL, (i) =>
        talk(ports[i % services], {
          send: `ping ${i}\n`,
          // Only catches hangs: a client may wait in the backlog behind the first wave, and
          // a dropped SYN is retried by the kernel after 1, 3, 7 s.
          deadlineMs: RELEASE_MS + 15_000,
          holdMs: Math.max(BRIEF_HOLD_MS, releaseAt - Date.now()),
        }));
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;
    const output = director.output();
    const served = results.filter((r) => r.head.startsWith("ping ")).length;
    const acceptErrors = output.match(/event=accept_error/g)?.length ?? 0;
    console.log(
      `${services} service(s), ${ATTEMPTS} attempts (${PARALLEL} at once) in ` +
        `${seconds.toFixed(1)} s: ${served} served, endings ${JSON.stringify(tally(results))}; ` +
        `descriptors ${fdsAtStart} -> max ${fdsMax} (limit ${LIMIT}); accept_error logged ` +
        `${acceptErrors} times; host_bad ${output.match(/event=host_bad/g)?.length ?? 0} times`,
    );
    for (
      const line of new Set(
        output.match(/event=(accept_error|host_bad|no_host|session_error)[^\n]*/g),
      )
    ) {
      console.log(`  ${line.replace(/ (service|group|client|listen)=\S+/g, "")}`);
    }
    assert.ok(alive(director.pid), "Director is still running");
    assert.ok(
      acceptErrors <= Math.ceil(seconds) * services + 1,
      `accept_error logged ${acceptErrors} times in ${seconds.toFixed(1)} s`,
    );

    // Once the clients are gone, Director serves normally again, at once.
    await waitUntil(() => fdCount(director.pid) <= fdsAtStart + 4, 10_000, "descriptors released");
    const after = await pool(
      50,
      10,
      (i) => talk(ports[i % services], { send: "after\n", end: true, deadlineMs: 5000 }),
    );
    const status = await api.status();
    assert.equal(status.openConnections, 0);
    assert.ok(alive(director.pid), "Director is still running");
    return { results, seconds, served, fdsAtStart, fdsMax, acceptErrors, output, after };
  } finally {
    await director.stop();
    await echo.close();
  }
}

/**
 * Bun accepts every pending connection itself (a Bun listener cannot be
 * paused), so there waiting clients hold descriptors and a flood reaches
 * the limit whatever maxconn says. Measured here (Bun 1.4.4, one service):
 * descriptors reach 256 of 256, about 920 of 1,000 clients are served and
 * the rest wait past their deadline (Bun does not log, or promptly retry,
 * the accepts that fail with EMFILE). So under Bun and the binary this file
 * asserts a weaker property, and says so in the test's name: Director
 * survives, never marks the healthy host bad, logs `accept_error` at most
 * about once a second, and serves every client right after the flood.
 * test/README.md and docs/reliability.md explain it too.
 */
const EAGER_ACCEPT = process.env.DIRECTOR_EXPECT_RUNTIME
  ? process.env.DIRECTOR_EXPECT_RUNTIME === "bun"
  : /\bbun\b|dist\/director/.test(process.env.DIRECTOR_CMD ?? "");

if (!EAGER_ACCEPT) {
  test(`one service under ulimit -n ${LIMIT}: the default maxconn keeps Director below the limit, every client served`, async () => {
    const seen = await flood(1);
    assert.ok(seen.fdsMax < LIMIT, `Director reached ${seen.fdsMax} descriptors`);
    assert.equal(seen.acceptErrors, 0);
    assert.doesNotMatch(seen.output, /event=host_bad/);
    // Nobody is turned away: surplus clients wait in the backlog and are served.
    assert.equal(seen.served, ATTEMPTS, JSON.stringify(tally(seen.results)));
    assertServedAfter(seen);
  });
} else {
  test(`one service under ulimit -n ${LIMIT}, Bun (accepts eagerly): at the limit Director survives, marks no host bad, and serves every client right after`, async () => {
    const seen = await flood(1);
    assert.doesNotMatch(seen.output, /event=host_bad/);
    assert.ok(seen.served >= 100, `only ${seen.served} clients were served`);
    assertServedAfter(seen);
  });
}

test(`two services under ulimit -n ${LIMIT}: out of descriptors, Director survives and recovers`, async () => {
  const seen = await flood(2);
  assert.ok(seen.served >= 100, `only ${seen.served} clients were served`);
  // Running out of descriptors is Director's own trouble, not the backend's: the
  // (healthy) backend must not be marked bad for it.
  assert.doesNotMatch(
    seen.output,
    /event=host_bad[^\n]*(Too many open files|os error 24|EMFILE)/i,
    "a healthy host was marked bad because Director itself was out of descriptors",
  );
  assertServedAfter(seen);
});
