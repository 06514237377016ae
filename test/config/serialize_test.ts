/**
 * `serializeConfig`: readable output that parses back to an equal model, for
 * the shipped configs, the legacy fixture and hostile names.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { loadConfigFile, loadDefaultConfig } from "../../src/config/load.ts";
import type { DirectorConfig } from "../../src/config/model.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { serializeConfig } from "../../src/config/serialize.ts";
import { escapeXmlAttr } from "../../src/config/xml.ts";
import { doc, ep, EXAMPLE, FIXTURE } from "./helpers.ts";

/** Serialize, parse back, and require the same model and no warnings. */
function roundTrip(config: DirectorConfig): string {
  const xml = serializeConfig(config);
  const again = parseConfig(xml, "round-trip.xml");
  assert.deepEqual(again.config, config);
  assert.deepEqual(again.warnings, []);
  assert.equal(serializeConfig(again.config), xml, "serializing is deterministic");
  return xml;
}

const NASTY = `<a> & "b" 'c' é 😀 ]]> --\t\n\r end`;

const nasty: DirectorConfig = {
  services: [{
    name: NASTY,
    listen: [ep("[::1]:8000", "::1", 8000), ep("*:8001", "0.0.0.0", 8001)],
    groups: [
      {
        name: `g ${NASTY}`,
        scheduler: "leastconnsrr",
        connectTimeoutMs: 1234,
        hosts: [
          { name: `h ${NASTY}`, address: ep("backend.example:80", "backend.example", 80) },
          { name: "日本語ホスト", address: ep("127.0.0.1:81", "127.0.0.1", 81) },
        ],
      },
      {
        name: "plain",
        scheduler: "random",
        connectTimeoutMs: 5000,
        hosts: [{ name: "host.0", address: ep("127.0.0.1:82", "127.0.0.1", 82) }],
      },
    ],
    enabledGroup: `g ${NASTY}`,
  }],
  admin: {
    listen: ep("localhost:7001", "localhost", 7001),
    secure: true,
    cert: `/etc/d/${NASTY}.crt`,
    key: "/etc/d/k&y.pem",
    users: [
      { name: `u ${NASTY}`, password: "$2b$12$abc/def.ghi", access: "readonly" },
      { name: "ops", password: "abhWCwoTZY2c6", access: "full" },
    ],
  },
  logging: { file: `/var/log/${NASTY}.log` },
  checktimeSeconds: 0.5,
};

describe("serializeConfig round-trips", () => {
  it("the legacy fixture", () => {
    roundTrip(loadConfigFile(FIXTURE.pathname).config);
  });

  it("the embedded default config", () => {
    roundTrip(loadDefaultConfig().config);
  });

  it("config.example.xml", () => {
    roundTrip(loadConfigFile(EXAMPLE.pathname).config);
  });

  it("a node's <cluster> (found by the config fuzzer: it was dropped)", () => {
    const config = loadConfigFile(EXAMPLE.pathname).config;
    const cluster = {
      endpoints: ["http://127.0.0.1:2379", "http://[::1]:2380"],
      prefix: "/d/",
      node: "lb-1",
    };
    assert.match(roundTrip({ ...config, cluster }), /<cluster etcd="http:\/\/127\.0\.0\.1:2379,/);
  });

  it("names with markup characters, quotes, whitespace controls and unicode", () => {
    const xml = roundTrip(nasty);
    assert.ok(
      xml.includes("&lt;a&gt; &amp; &quot;b&quot; 'c' é 😀 ]]&gt; --&#x9;&#xA;&#xD; end"),
      xml,
    );
  });

  it("a config without admin or logging", () => {
    const { admin: _admin, ...rest } = nasty;
    roundTrip({ ...rest, logging: {} });
  });
});

describe("serializeConfig output", () => {
  it("is an indented pdconfig document that states only non-default values", () => {
    const legacy = readFileSync(FIXTURE, "utf8");
    const xml = serializeConfig(parseConfig(legacy, "legacy.xml").config);
    assert.equal(
      xml,
      doc(
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<pdconfig>",
        '  <service name="shop">',
        '    <listen ip="*:19080" />',
        '    <listen ip="127.0.0.1:19081" />',
        '    <listen ip="localhost:19082" />',
        '    <group name="live" scheduler="leastconns">',
        '      <host name="alpha" ip="127.0.0.1:19101" />',
        '      <host name="host.1" ip="127.0.0.1:19102" />',
        '      <host name="gamma" ip="localhost:19103" />',
        "    </group>",
        '    <group name="next" scheduler="roundrobin">',
        '      <host name="host.0" ip="127.0.0.1:19111" />',
        '      <host name="host.1" ip="127.0.0.1:19112" />',
        "    </group>",
        '    <group name="old" scheduler="random">',
        '      <host name="legacy" ip="127.0.0.1:19121" />',
        "    </group>",
        '    <enable group="live" />',
        "  </service>",
        '  <service name="mail">',
        '    <listen ip="*:19025" />',
        '    <group name="relays" scheduler="leastconnsrr">',
        '      <host name="mx1" ip="127.0.0.1:19201" />',
        '      <host name="mx2" ip="127.0.0.1:19202" />',
        "    </group>",
        '    <enable group="relays" />',
        "  </service>",
        '  <admin listen="localhost:19700" secure="yes" cert="admin-cert.pem" key="admin-key.pem">',
        '    <user name="ops" password="pdg.OKQ3wzkKs" access="full" />',
        '    <user name="viewer" password="vwRm0H4f7OfpM" access="readonly" />',
        "  </admin>",
        '  <logging file="/var/log/pdir.log" />',
        '  <checktime time="60" />',
        "</pdconfig>",
        "",
      ),
    );
  });

  it("writes connect-timeout in seconds, secure, cert and key when they are not defaults", () => {
    const xml = serializeConfig(nasty);
    assert.match(xml, /<group name="g [^"]*" scheduler="leastconnsrr" connect-timeout="1\.234">/);
    assert.match(xml, /<group name="plain" scheduler="random">/);
    assert.match(
      xml,
      /<admin listen="localhost:7001" secure="yes" cert="[^"]+" key="\/etc\/d\/k&amp;y\.pem">/,
    );
    assert.match(xml, /<checktime time="0\.5" \/>/);
  });
});

describe("escapeXmlAttr", () => {
  it("escapes markup, quotes and control characters, and nothing else", () => {
    assert.equal(escapeXmlAttr(`a&b<c>d"e'f`), "a&amp;b&lt;c&gt;d&quot;e'f");
    assert.equal(escapeXmlAttr("\t\n\r\x7f"), "&#x9;&#xA;&#xD;&#x7F;");
    assert.equal(escapeXmlAttr("é😀 plain"), "é😀 plain");
  });
});
