/**
 * Backup groups over real sockets: when every host of the enabled group is
 * down, new connections go to the backup group, and back once a main host
 * recovers.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { freePort, startDirector } from "./harness.ts";
import { namedBackend, whoAnswers } from "./peers.ts";

test("the backup group serves while the enabled group is down, and hands back", async () => {
  const spare = await namedBackend("SPARE");
  const mainPort = await freePort(); // the main host is down at first
  const [port, adminPort] = [await freePort(), await freePort()];
  const hash = await hashPassword("b-secret", 4);
  const director = await startDirector(`<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:${port}"/>
    <group name="main" scheduler="roundrobin"><host name="m" ip="127.0.0.1:${mainPort}"/></group>
    <group name="spare" scheduler="roundrobin"><host name="s" ip="127.0.0.1:${spare.port}"/></group>
    <enable group="main" backup="spare"/>
  </service>
  <admin listen="127.0.0.1:${adminPort}"><user name="ops" password="${hash}" access="full"/></admin>
  <checktime time="1"/>
</pdconfig>`);
  const admin = async (path: string) =>
    (await fetch(`http://127.0.0.1:${adminPort}${path}`, {
      headers: { authorization: "Basic " + btoa("ops:b-secret") },
    })).text();
  let main: Awaited<ReturnType<typeof namedBackend>> | undefined;
  try {
    // The main host refuses: the client is served by the backup, transparently.
    assert.equal(await whoAnswers(port), "SPARE");
    assert.equal(await whoAnswers(port), "SPARE");
    await director.waitFor(/event=backup_active service=web group=spare/);
    assert.match(await admin("/running.txt"), /^backup spare active$/m);

    main = await namedBackend("MAIN", mainPort);
    await director.waitFor(/event=host_up .*host=m /, 8000);
    assert.equal(await whoAnswers(port), "MAIN");
    await director.waitFor(/event=backup_inactive service=web/);
    assert.match(await admin("/running.txt"), /^backup spare standby$/m);
    // The backup group is protected and shown in the running config.
    assert.match(await admin("/delGroup?service=web&group=spare"), /it is the backup group/);
    assert.match(await admin("/running.xml"), /<enable group="main" backup="spare" \/>/);
  } finally {
    await director.stop();
    await spare.close();
    await main?.close();
  }
});
