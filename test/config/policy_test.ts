/**
 * The traffic-policy parts of the config: what loads, what is refused with
 * its line, and that `/running.xml` writes them back to the same model.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/model.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { serializeConfig } from "../../src/config/serialize.ts";

const config = (attributes: string, ...children: string[]) =>
  [
    "<pdconfig>",
    `  <service name="web"${attributes}>`,
    '    <listen ip="127.0.0.1:8000"/>',
    '    <group name="main" scheduler="roundrobin"><host ip="127.0.0.1:8001"/></group>',
    '    <group name="api" scheduler="roundrobin"><host ip="127.0.0.1:8002"/></group>',
    '    <enable group="main"/>',
    ...children.map((child) => `    ${child}`),
    "  </service>",
    "</pdconfig>",
  ].join("\n");

test("policy loads in document order and round-trips through serialize", () => {
  const { config: parsed, warnings } = parseConfig(
    config(
      ' client-maxconn="4" client-rate="10/2.5" sni-timeout="1.5"',
      '<deny src="10.1.0.0/16"/>',
      '<route sni="*.example.com" group="api"/>',
      '<allow src="10.0.0.0/8"/>',
      '<route sni="www.example.com" group="main"/>',
    ),
    "p.xml",
  );
  assert.deepEqual(warnings, []);
  const service = parsed.services[0];
  assert.deepEqual(service.acl, [
    { action: "deny", src: "10.1.0.0/16" },
    { action: "allow", src: "10.0.0.0/8" },
  ]);
  assert.deepEqual(service.routes, [
    { sni: "*.example.com", group: "api" },
    { sni: "www.example.com", group: "main" },
  ]);
  assert.equal(service.clientMaxconn, 4);
  assert.deepEqual(service.clientRate, { count: 10, windowMs: 2500 });
  assert.equal(service.sniTimeoutMs, 1500);
  const again = parseConfig(serializeConfig(parsed), "again.xml");
  assert.deepEqual(again.config, parsed);
});

test("mistakes are refused with file:line and what is wrong", () => {
  const cases: [string, RegExp][] = [
    [
      config("", '<allow src="10.0.0.0/33"/>'),
      /^p\.xml:7:5: <allow src="10\.0\.0\.0\/33">: invalid src: .*prefix length/,
    ],
    [
      config("", '<deny src="127.0.0.300"/>'),
      /^p\.xml:7:5: .*"127\.0\.0\.300" is not an IPv4 or IPv6 address/,
    ],
    [
      config("", '<route sni="a.test" group="nope"/>'),
      /^p\.xml:7:5: <route sni="a\.test">: no group "nope"/,
    ],
    [config("", '<route sni="a..test" group="api"/>'), /^p\.xml:7:5: .*invalid sni/],
    [
      config(' client-rate="5"'),
      /^p\.xml:2:3: <service name="web">: invalid client-rate "5": expected COUNT\/SECONDS/,
    ],
    [config(' client-maxconn="0"'), /^p\.xml:2:3: .*client-maxconn="0" is not allowed/],
    [config(' sni-timeout="61"'), /^p\.xml:2:3: .*invalid sni-timeout="61"/],
    [
      config("", '<allow src="::1"/>', '<deny src="::1"/>'),
      /^p\.xml:8:5: .*duplicate src "::1".*first at line 7/,
    ],
    [config("", "<allow/>"), /^p\.xml:7:5: <allow>: missing attribute src=/],
  ];
  for (const [xml, expected] of cases) {
    assert.throws(() => parseConfig(xml, "p.xml"), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, expected);
      return true;
    });
  }
});

test("a range with host bits set loads with a warning", () => {
  const { warnings } = parseConfig(config("", '<allow src="10.1.2.3/8"/>'), "p.xml");
  assert.match(warnings[0].message, /p\.xml:7:5: .*bits set beyond its prefix/);
});
