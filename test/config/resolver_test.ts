/**
 * `<resolver>` and a group's `srv`: accepted forms, refusals naming the
 * element and line (`--check` prints these), and the round trip.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config/parse.ts";
import { serializeConfig } from "../../src/config/serialize.ts";
import { ENABLE, LISTEN, refusals, withGroup, withRoot, withService } from "./helpers.ts";

const srvGroup = (srv: string, ...hosts: string[]) =>
  withService(
    LISTEN,
    `    <group name="main" scheduler="roundrobin" srv="${srv}">`,
    ...hosts,
    "    </group>",
    ENABLE,
  );

describe("<resolver>", () => {
  it("reads nameservers and the interval", () => {
    const xml = withRoot(
      '  <resolver nameserver="127.0.0.1:5353, [::1]:53,10.0.0.2" interval="2.5"/>',
    );
    const { config } = parseConfig(xml, "ok.xml");
    assert.deepEqual(config.resolver, {
      nameservers: ["127.0.0.1:5353", "[::1]:53", "10.0.0.2"],
      intervalMs: 2500,
    });
    const again = parseConfig(serializeConfig(config), "again.xml").config;
    assert.deepEqual(again, config);
    assert.deepEqual(parseConfig(withRoot("  <resolver/>"), "ok.xml").config.resolver, {});
  });

  refusals([
    [
      "a name as nameserver",
      withRoot('  <resolver nameserver="dns.example:53"/>'),
      9,
      "<resolver>",
      'nameserver="dns.example:53"',
      "not an IP address",
    ],
    [
      "a bad port",
      withRoot('  <resolver nameserver="127.0.0.1:99999"/>'),
      9,
      "port is not a number from 1 to 65535",
    ],
    ["an empty entry", withRoot('  <resolver nameserver="127.0.0.1,"/>'), 9, 'nameserver="'],
    ["an interval under a second", withRoot('  <resolver interval="0.5"/>'), 9, "below 1 second"],
    ["a word as interval", withRoot('  <resolver interval="often"/>'), 9, 'interval="often"'],
    [
      "a second <resolver>",
      withRoot("  <resolver/>", "  <resolver/>"),
      10,
      "only one <resolver> is allowed",
    ],
  ]);
});

describe('<group srv="…">', () => {
  it("needs no hosts, and round-trips without the ones found", () => {
    const { config } = parseConfig(srvGroup("_web._tcp.example.com"), "ok.xml");
    const group = config.services[0].groups[0];
    assert.equal(group.srv, "_web._tcp.example.com");
    assert.equal(group.hosts.length, 0);
    group.hosts.push({
      name: "a.example.com:80",
      address: { spec: "a.example.com:80", hostname: "a.example.com", port: 80 },
      resolved: "10.0.0.1",
    });
    const xml = serializeConfig(config);
    assert.match(xml, /srv="_web._tcp.example.com" \/>/);
    assert.doesNotMatch(xml, /<host/);
  });

  refusals([
    ["not an SRV name", srvGroup("web.example.com"), 4, 'srv="web.example.com" is not an SRV name'],
    ["no protocol label", srvGroup("_web.example.com"), 4, "_service._proto.name"],
    [
      "hosts as well",
      srvGroup("_web._tcp.example.com", '      <host ip="127.0.0.1:80"/>'),
      4,
      "its hosts come from DNS",
    ],
    ["no hosts and no srv", withGroup('name="main" scheduler="roundrobin"'), 4, 'or srv="…"'],
  ]);
});
