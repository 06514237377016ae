/**
 * Hostile host names — HTML, quotes, unicode, white space and control
 * characters — added through the admin API must come back intact (or be
 * refused with a 400, never half-accepted): as themselves in the JSON
 * status, escaped in the page, percent-encoded in `/running.txt` (one field,
 * decodable), and in `/running.xml` and a saved config, which must parse
 * again to the same name. Exactly the names a config file cannot hold are
 * refused. It talks to a real Director process over loopback, so each run
 * of the runtime matrix goes through that runtime's HTTP server.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseConfig } from "../../src/config/parse.ts";
import { freePort, startDirector } from "../integration/harness.ts";
import { admin, configWithAdmin } from "./probe.ts";

const NAMES: Record<string, string> = {
  "html": "<b>bold</b>",
  "script": "<script>alert(1)</script>",
  "attribute breakout": `"><img src=x onerror=alert(1)>`,
  "quotes and ampersand": `"double" 'single' & more`,
  "xml entity text": "&amp; &lt; &#x41;",
  "cjk": "名前-ホスト",
  "emoji": "🙂 host",
  "combining": "e\u0301e\u0301",
  "rtl override": "\u202Eevil",
  "space": "two words",
  "tab": "tab\there",
  "newline": "new\nline",
  "carriage return": "cr\rhere",
  "percent": "100%25 %41",
  "nbsp": "no\u00a0break",
  "line separator": "ls\u2028here",
  "ideographic space": "wide\u3000space",
  "bom": "\uFEFFbom",
  "control C0": "ctl\u0001\u001f",
  "delete": "del\u007f",
  "nul": "nul\u0000byte",
  "noncharacter": "non\uFFFEchar",
};

/** The names refused with a 400: characters XML 1.0 cannot carry. Every other one is accepted. */
const REFUSED = ["control C0", "nul", "noncharacter"];

/** HTML text escaping, as any correct template does it. */
// deno-lint-ignore no-control-regex -- control characters are what the checks are about
const UNSAFE_IN_FIELD = /[\s\u0000-\u001f\u007f]/;

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

const form = (params: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(params).toString(),
});

test("hostile host names round-trip through the API, the page, /running.txt and /running.xml", async () => {
  const [listen, adminPort] = [await freePort(), await freePort()];
  const director = await startDirector(
    configWithAdmin([{ name: "web", listen, hosts: [await freePort()] }], adminPort),
  );
  const api = admin(adminPort);
  const f = { call: (path: string, init?: RequestInit) => api.request(path, init) };
  const problems: string[] = [];
  const accepted: [string, string, string][] = [];
  const refused: string[] = [];
  try {
    let port = 19000;
    for (const [label, name] of Object.entries(NAMES)) {
      const ip = `127.0.0.1:${port++}`;
      const response = await f.call(
        "/addHost",
        form({ service: "web", group: "main", name, ip }),
      );
      const text = await response.text();
      if (response.status === 400) {
        console.log(`  ${label}: refused (400) ${text.trim()}`);
        refused.push(label);
        continue;
      }
      if (response.status !== 200) {
        problems.push(`${label}: addHost answered ${response.status} ${text.trim()}`);
        continue;
      }
      accepted.push([label, name, ip]);
    }

    const status = await (await f.call("/api/v1/status")).json();
    const hosts = new Map<string, string>(
      status.services[0].groups.find((g: { name: string }) => g.name === "main").hosts.map(
        (h: { ip: string; name: string }) => [h.ip, h.name],
      ),
    );
    const page = await (await f.call("/running")).text();
    const txt = await (await f.call("/running.txt")).text();
    const xml = await (await f.call("/running.xml")).text();
    let reparsed: Map<string, string> | undefined;
    try {
      const config = parseConfig(xml, "running.xml").config;
      const main = config.services[0].groups.find((g) => g.name === "main")!;
      reparsed = new Map(main.hosts.map((h) => [h.address.spec, h.name]));
    } catch (error) {
      problems.push(`/running.xml does not parse: ${(error as Error).message.slice(0, 200)}`);
    }

    for (const [label, name, ip] of accepted) {
      if (hosts.get(ip) !== name) {
        problems.push(`${label}: the status JSON has ${JSON.stringify(hosts.get(ip))}`);
      }
      // The page: escaped, never raw markup.
      if (/[<>&]/.test(name) && page.includes(name)) {
        problems.push(`${label}: the page contains the name unescaped`);
      }
      if (!page.includes(escapeHtml(name)) && !UNSAFE_IN_FIELD.test(name)) {
        problems.push(`${label}: the page does not show the escaped name`);
      }
      // /running.txt: one white-space-free field that percent-decodes to the name.
      const line = txt.split("\n").find((l) => l.split(" ")[2] === ip);
      if (!line) {
        problems.push(`${label}: no /running.txt record with ${ip} as its third field`);
      } else {
        const field = line.split(" ")[1];
        let decoded: string | undefined;
        try {
          decoded = decodeURIComponent(field);
        } catch {
          decoded = undefined;
        }
        if (UNSAFE_IN_FIELD.test(field) || decoded !== name) {
          problems.push(
            `${label}: /running.txt field ${JSON.stringify(field)} decodes to ` +
              `${decoded === undefined ? "an error" : JSON.stringify(decoded)}`,
          );
        }
      }
      if (reparsed && reparsed.get(ip) !== name) {
        problems.push(`${label}: /running.xml re-parses to ${JSON.stringify(reparsed.get(ip))}`);
      }
    }

    // A saved config holds the same names.
    const save = await f.call("/save");
    const saveText = await save.text();
    if (save.status !== 200) problems.push(`save answered ${save.status} ${saveText.trim()}`);
    else {
      const saved = parseConfig(readFileSync(director.configPath, "utf8"), director.configPath)
        .config;
      const main = saved.services[0].groups.find((g) => g.name === "main")!;
      for (const [label, name, ip] of accepted) {
        const host = main.hosts.find((h) => h.address.spec === ip);
        if (host?.name !== name) {
          problems.push(`${label}: the saved config has ${JSON.stringify(host?.name)}`);
        }
      }
    }

    // Each name also works as a key for the next call.
    for (const [label, name] of accepted) {
      const del = await f.call("/delHost", form({ service: "web", group: "main", name }));
      if (del.status !== 200) problems.push(`${label}: delHost by name answered ${del.status}`);
      await del.body?.cancel();
    }
    console.log(
      `names: ${accepted.length} of ${Object.keys(NAMES).length} accepted; ${problems.length} ` +
        `problems`,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(refused, REFUSED, "refused exactly the names a config cannot hold");
    assert.equal(accepted.length, Object.keys(NAMES).length - REFUSED.length);
  } finally {
    await director.stop();
  }
});
