/**
 * Hostile host names — HTML, quotes, unicode, white space and control
 * characters — added through the admin API must come back intact (or be
 * refused with a 400, never half-accepted): as themselves in the JSON
 * status, escaped in the page, percent-encoded in `/running.txt` (one field,
 * decodable), and in `/running.xml` and a saved config, which must parse
 * again to the same name.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseConfig } from "../../src/config/parse.ts";
import { adminFixture } from "../admin/fixture.ts";

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
  const f = adminFixture();
  const problems: string[] = [];
  const accepted: [string, string, string][] = [];
  try {
    let port = 19000;
    for (const [label, name] of Object.entries(NAMES)) {
      const ip = `127.0.0.1:${port++}`;
      const response = await f.call(
        "/addHost",
        form({ service: "web", group: "upgrade", name, ip }),
      );
      const text = await response.text();
      if (response.status === 400) {
        console.log(`  ${label}: refused (400) ${text.trim()}`);
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
      status.services[0].groups.find((g: { name: string }) => g.name === "upgrade").hosts.map(
        (h: { ip: string; name: string }) => [h.ip, h.name],
      ),
    );
    const page = await (await f.call("/running")).text();
    const txt = await (await f.call("/running.txt")).text();
    const xml = await (await f.call("/running.xml")).text();
    let reparsed: Map<string, string> | undefined;
    try {
      const config = parseConfig(xml, "running.xml").config;
      const upgrade = config.services[0].groups.find((g) => g.name === "upgrade")!;
      reparsed = new Map(upgrade.hosts.map((h) => [h.address.spec, h.name]));
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
      const saved = parseConfig(readFileSync(f.configPath, "utf8"), f.configPath).config;
      const upgrade = saved.services[0].groups.find((g) => g.name === "upgrade")!;
      for (const [label, name, ip] of accepted) {
        const host = upgrade.hosts.find((h) => h.address.spec === ip);
        if (host?.name !== name) {
          problems.push(`${label}: the saved config has ${JSON.stringify(host?.name)}`);
        }
      }
    }

    // Each name also works as a key for the next call.
    for (const [label, name] of accepted) {
      const del = await f.call("/delHost", form({ service: "web", group: "upgrade", name }));
      if (del.status !== 200) problems.push(`${label}: delHost by name answered ${del.status}`);
      await del.body?.cancel();
    }
    console.log(
      `names: ${accepted.length} of ${Object.keys(NAMES).length} accepted; ${problems.length} ` +
        `problems`,
    );
    assert.deepEqual(problems, []);
  } finally {
    f.close();
  }
});
