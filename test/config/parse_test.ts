/**
 * `parseConfig` and the loaders: the legacy fixture and the shipped configs
 * give the expected models; malformed or unsafe XML and structural mistakes
 * are refused with `FILE:LINE:COL`. Per-element rules are in `rules_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { loadConfigFile, loadDefaultConfig, summarizeConfig } from "../../src/config/load.ts";
import {
  ConfigError,
  type DirectorConfig,
  type GroupConfig,
  type HostConfig,
} from "../../src/config/model.ts";
import { parseConfig } from "../../src/config/parse.ts";
import {
  doc,
  ENABLE,
  ep,
  EXAMPLE,
  FIXTURE,
  GROUP,
  LISTEN,
  type Refusal,
  refusal,
  refusals,
  withRoot,
  withService,
} from "./helpers.ts";

const host = (name: string, port: number): HostConfig => ({
  name,
  address: ep(`127.0.0.1:${port}`, "127.0.0.1", port),
});

const local = (port: number) => ep(`127.0.0.1:${port}`, "127.0.0.1", port);
const group = (name: string, scheduler: string, hosts: HostConfig[]): GroupConfig => ({
  name,
  scheduler: scheduler as GroupConfig["scheduler"],
  connectTimeoutMs: 5000,
  hosts,
});

/** test/fixtures/legacy-config.xml as Director reads it. */
const LEGACY: DirectorConfig = {
  services: [
    {
      name: "shop",
      listen: [
        ep("*:19080", "0.0.0.0", 19080),
        local(19081),
        ep("localhost:19082", "localhost", 19082),
      ],
      groups: [
        group("live", "leastconns", [
          host("alpha", 19101),
          host("host.1", 19102),
          { name: "gamma", address: ep("localhost:19103", "localhost", 19103) },
        ]),
        group("next", "roundrobin", [host("host.0", 19111), host("host.1", 19112)]),
        group("old", "random", [host("legacy", 19121)]),
      ],
      enabledGroup: "live",
    },
    {
      name: "mail",
      listen: [ep("*:19025", "0.0.0.0", 19025)],
      groups: [group("relays", "leastconnsrr", [host("mx1", 19201), host("mx2", 19202)])],
      enabledGroup: "relays",
    },
  ],
  admin: {
    listen: ep("localhost:19700", "localhost", 19700),
    secure: true,
    cert: "admin-cert.pem",
    key: "admin-key.pem",
    users: [
      { name: "ops", password: "pdg.OKQ3wzkKs", access: "full" },
      { name: "viewer", password: "vwRm0H4f7OfpM", access: "readonly" },
    ],
  },
  logging: { file: "/var/log/pdir.log" },
  checktimeSeconds: 60,
};

describe("the legacy pythondirector fixture", () => {
  it("loads unchanged into the expected model, without warnings", () => {
    const loaded = loadConfigFile(FIXTURE.pathname);
    assert.deepEqual(loaded, {
      config: LEGACY,
      warnings: [],
      source: FIXTURE.pathname,
      text: readFileSync(FIXTURE, "utf8"),
    });
  });

  it("is summarized for --check", () => {
    assert.equal(
      summarizeConfig(LEGACY),
      doc(
        "2 services",
        "service shop: listen *:19080, 127.0.0.1:19081, localhost:19082; enabled group live",
        "  group live (enabled): leastconns, 3 hosts",
        "  group next: roundrobin, 2 hosts",
        "  group old: random, 1 host",
        "service mail: listen *:19025; enabled group relays",
        "  group relays (enabled): leastconnsrr, 2 hosts",
        "admin: https on localhost:19700, 2 users",
        "logging: /var/log/pdir.log",
        "checktime: 60 s",
      ),
    );
  });
});

describe("the shipped configs and the loaders", () => {
  it("the embedded default is the demo config", () => {
    const { config, warnings, source } = loadDefaultConfig();
    assert.equal(source, "(embedded default)");
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.services.map((s) => [s.name, s.listen, s.enabledGroup]), [
      ["demo", [ep("127.0.0.1:8080", "127.0.0.1", 8080)], "main"],
    ]);
    const groups = config.services[0].groups.map((g) => [g.name, g.scheduler, g.hosts]);
    assert.deepEqual(groups, [
      ["main", "roundrobin", [host("demo-1", 9001), host("demo-2", 9002), host("demo-3", 9003)]],
      ["spare", "leastconns", [host("demo-3", 9003)]],
    ]);
    const listen = ep("127.0.0.1:8081", "127.0.0.1", 8081);
    assert.deepEqual(config.admin, { listen, secure: false, users: [] });
    assert.deepEqual(config.logging, {});
    assert.equal(config.checktimeSeconds, 10);
    assert.match(summarizeConfig(config), /^admin: http on 127\.0\.0\.1:8081, no users/m);
  });

  it("config.example.xml loads without errors or warnings", () => {
    const { config, warnings } = loadConfigFile(EXAMPLE.pathname);
    assert.deepEqual(warnings, []);
    const hostnames = config.services.flatMap((s) => s.listen.map((l) => l.hostname));
    assert.deepEqual(hostnames, ["127.0.0.1", "::1", "0.0.0.0", "127.0.0.1"]);
    assert.equal(config.services[0].groups[0].connectTimeoutMs, 2500);
    assert.equal(config.services[0].groups[0].hosts[2].name, "host.2");
    assert.equal(config.services[0].groups[0].hosts[1].weight, 2);
    assert.deepEqual(config.admin?.users.map((u) => u.access), ["full", "readonly"]);
  });

  it("an unreadable file is a ConfigError naming the path and the reason", () => {
    assert.throws(() => loadConfigFile("/nonexistent/director.xml"), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^Cannot read config \/nonexistent\/director\.xml: .*ENOENT/);
      assert.equal(error.file, "/nonexistent/director.xml");
      return true;
    });
  });
});

describe("malformed and unsafe XML", () => {
  it("reports FILE:LINE:COL of a syntax error", () => {
    const error = refusal(doc("<pdconfig>", "  <service>", "  </servce>", "</pdconfig>"), 3);
    assert.match(error.message, /^bad\.xml:3:3: Cannot parse XML: Missing end tag/);
    assert.equal(error.column, 3);
  });

  it("counts columns from 1, in characters, after CRLF and astral characters", () => {
    const error = refusal("<pdconfig>\r\n<!-- 😀😀 --> <oops/>\r\n</pdconfig>", 2, "<oops>");
    assert.equal(error.column, 13);
  });

  it("places a syntax error after an astral character as if it were one character", () => {
    const astral = refusal("<pdconfig>\r\n<!-- 😀 --> <a></b>\r\n</pdconfig>", 2);
    const ascii = refusal("<pdconfig>\r\n<!-- x --> <a></b>\r\n</pdconfig>", 2);
    assert.equal(astral.column, ascii.column);
    assert.equal(astral.column, 15);
  });

  it("reports an unclosed root", () => {
    refusal(doc("<pdconfig>", "  <service>"), 2, "Cannot parse XML");
  });

  it("reports an empty document", () => {
    refusal("", 1, "Cannot parse XML");
  });

  it("refuses a DTD outright, at its position", () => {
    const xml = doc("<?xml version='1.0'?>", "<!DOCTYPE pdconfig>", "<pdconfig/>");
    const error = refusal(xml, 2, "Cannot accept <!DOCTYPE", "not allowed");
    assert.equal(error.column, 1);
  });

  it("refuses an entity bomb without expanding anything", () => {
    const levels = Array.from({ length: 9 }, (_, i) => {
      const name = "b".repeat(i + 1);
      const previous = i === 0 ? "a" : "b".repeat(i);
      return `<!ENTITY ${name} "${`&${previous};`.repeat(10)}">`;
    });
    const bomb = doc(
      `<!DOCTYPE x [<!ENTITY a "${"a".repeat(1000)}">`,
      ...levels,
      "]>",
      "<pdconfig>&bbbbbbbbb;</pdconfig>",
    );
    // Refused at the DOCTYPE, before any entity is read: how fast that is, the linearity
    // test and bench/parse_scaling.ts measure.
    refusal(bomb, 1, "DTDs and entity declarations are not allowed");
  });

  it("refuses an <!ENTITY even without a DOCTYPE", () => {
    refusal(doc("<pdconfig>", '<!ENTITY a "b">', "</pdconfig>"), 2, "Cannot accept <!ENTITY");
  });
});

describe("structure rules", () => {
  const only = (name: string, element: string): Refusal => [
    `at most one <${name}>`,
    withRoot(`  ${element}`, "", `  ${element.replace("1", "2")}`),
    11,
    `<${name}`,
    `only one <${name}> is allowed (the first is at line 9)`,
  ];
  const cases: Refusal[] = [
    ["the root must be pdconfig", doc("", "<config/>"), 2, "<config>", "must be <pdconfig>"],
    [
      "an unknown root child is an error listing the allowed ones",
      withRoot('  <services name="x"/>'),
      9,
      '<services name="x">: unexpected element inside <pdconfig>',
      "allowed: <service>, <admin>, <logging>, <checktime>",
    ],
    only("admin", '<admin listen="127.0.0.1:7001"/>'),
    only("logging", '<logging file="f1"/>'),
    only("checktime", '<checktime time="1"/>'),
    [
      "a child element where none belongs",
      withService('    <listen ip="127.0.0.1:8000"><port/></listen>', ...GROUP, ENABLE),
      3,
      "<port>: unexpected element inside <listen>; it has no child elements",
    ],
    [
      "CDATA counts as text",
      withService(
        LISTEN,
        '    <group name="main" scheduler="random"><![CDATA[x]]>',
        ...GROUP.slice(1),
      ),
      4,
      '<group name="main">: unexpected text "x"',
    ],
  ];
  refusals(cases);

  it("non-whitespace text is an error at the text's own position", () => {
    const xml = withService(LISTEN, ...GROUP, ENABLE, "    oops here");
    const error = refusal(xml, 8, '<service name="web">: unexpected text "oops here"');
    assert.equal(error.column, 5);
  });

  it("whitespace, comments and processing instructions are ignored anywhere", () => {
    const xml = doc(
      "<!-- top -->",
      "<pdconfig>",
      "  <!-- a -->",
      '  <service name="web"> <!-- b -->',
      LISTEN,
      "  <?pi x?>",
      ...GROUP,
      ENABLE,
      "\t </service>",
      "</pdconfig>",
      "<!-- end -->",
    );
    const loaded = parseConfig(xml, "ok.xml");
    const plain = parseConfig(withService(LISTEN, ...GROUP, ENABLE), "ok.xml");
    assert.deepEqual(loaded.config, plain.config);
    assert.deepEqual(loaded.warnings, plain.warnings);
    assert.equal(loaded.text, xml);
  });

  it("an unknown attribute is a warning with FILE:LINE:COL, not an error", () => {
    const xml = withService(
      LISTEN,
      '    <group name="main" scheduler="random">',
      '      <host name="a" ip="127.0.0.1:8001" priority="2"/>',
      "    </group>",
      ENABLE,
    );
    const { config, warnings } = parseConfig(xml, "warn.xml");
    assert.equal(config.services[0].groups[0].hosts[0].name, "a");
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].line, 5);
    assert.equal(warnings[0].column, 7);
    // The list of known attributes grows with features; its start is stable.
    const start =
      'warn.xml:5:7: <host name="a">: unknown attribute "priority" ignored; known: name, ip';
    assert.ok(warnings[0].message.startsWith(start), warnings[0].message);
  });
});
