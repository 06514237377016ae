/**
 * A single-threaded Director's parts (not listening) and its admin app, for
 * `app.request()` tests.
 *
 * @module
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdminApp } from "../../src/admin/app.ts";
import { loadConfigText } from "../../src/config/load.ts";
import { standalone } from "../../src/control/standalone.ts";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { Logger } from "../../src/log.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";

const runtime = await loadRuntime();
export const FULL = { name: "ops", password: "ops-secret" };
export const READONLY = { name: "viewer", password: "viewer-secret" };
const fullHash = await hashPassword(FULL.password, 4);
const readonlyHash = await hashPassword(READONLY.password, 4);

export function configXml(): string {
  return `<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:1"/>
    <group name="main" scheduler="leastconns">
      <host name="two" ip="127.0.0.1:18002"/>
      <host name="three" ip="127.0.0.1:18003"/>
    </group>
    <group name="upgrade" scheduler="roundrobin">
      <host name="five" ip="127.0.0.1:18005"/>
    </group>
    <enable group="main"/>
  </service>
  <admin listen="127.0.0.1:2">
    <user name="${FULL.name}" password="${fullHash}" access="full"/>
    <user name="${READONLY.name}" password="${readonlyHash}" access="readonly"/>
  </admin>
</pdconfig>
`;
}

/** A fresh Director on its own config file and log file, and its admin app. */
export function adminFixture(xml = configXml()) {
  const dir = mkdtempSync(join(tmpdir(), "director-admin-"));
  const configPath = join(dir, "director.xml");
  const logPath = join(dir, "director.log");
  writeFileSync(configPath, xml);
  const log = new Logger({ file: logPath });
  const { controller, plane } = standalone({
    runtime,
    log,
    loaded: loadConfigText(xml, configPath),
    configPath,
    defaultMaxconn: 10_000,
  });
  const app = createAdminApp({ state: controller, version: "9.9.9" });
  const auth = (user: { name: string; password: string }) =>
    "Basic " + btoa(`${user.name}:${user.password}`);

  /** GET (or another method) as `user`, with extra headers. */
  function call(path: string, init: RequestInit & { user?: typeof FULL | null } = {}) {
    const headers = new Headers(init.headers);
    const user = init.user === undefined ? FULL : init.user;
    if (user) headers.set("authorization", auth(user));
    return app.request(path, { ...init, headers });
  }
  return {
    app,
    controller,
    plane,
    configPath,
    call,
    logText: () => readFileSync(logPath, "utf8"),
    text: async (path: string) => (await call(path)).text(),
    close: () => {
      controller.stop();
      plane.close();
      log.close();
    },
  };
}
