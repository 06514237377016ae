/**
 * The per-element validation rules of `parseConfig`: each refusal names the
 * file, the line, the element and the offending value; each default is what
 * the reference says.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DirectorConfig } from "../../src/config/model.ts";
import { parseConfig } from "../../src/config/parse.ts";
import {
  ENABLE,
  ep,
  GROUP,
  HOST,
  LISTEN,
  type Refusal,
  refusals,
  serviceWith,
  withGroup,
  withRoot,
  withService,
} from "./helpers.ts";

const load = (xml: string): DirectorConfig => parseConfig(xml, "ok.xml").config;

describe("service rules", () => {
  const other = (listen: string) => [
    '  <service name="other">',
    `    <listen ip="${listen}"/>`,
    ...GROUP,
    ENABLE,
    "  </service>",
  ];
  refusals([
    [
      "a service needs a name",
      serviceWith("", LISTEN, ...GROUP, ENABLE),
      2,
      '<service>: missing attribute name="…"',
    ],
    [
      "a service name is not blank",
      serviceWith(' name=" "', LISTEN, ...GROUP, ENABLE),
      2,
      'empty name=" "',
    ],
    [
      "a service needs a listen",
      withService(...GROUP, ENABLE),
      2,
      '<service name="web">: no <listen',
    ],
    ["a service needs a group", withService(LISTEN, ENABLE), 2, '<service name="web">: no <group>'],
    [
      "a service needs an enable",
      withService(LISTEN, ...GROUP),
      2,
      '<service name="web">: no <enable group="…"/>',
      'expected one of "main"',
    ],
    [
      "a service has only one enable",
      withService(LISTEN, ...GROUP, ENABLE, ENABLE),
      8,
      '<enable group="main">: a second <enable>',
    ],
    [
      "enable names an existing group",
      withService(LISTEN, ...GROUP, '    <enable group="mian"/>'),
      7,
      '<enable group="mian">: no group "mian" in service "web"; expected one of "main"',
    ],
    [
      "enable needs a group",
      withService(LISTEN, ...GROUP, "    <enable/>"),
      7,
      '<enable>: missing attribute group="…"',
    ],
    [
      "a listen needs an ip",
      withService("    <listen/>", ...GROUP, ENABLE),
      3,
      "<listen>: missing",
    ],
    [
      "a listen ip is HOST:PORT",
      withService('    <listen ip="127.0.0.1"/>', ...GROUP, ENABLE),
      3,
      '<listen ip="127.0.0.1">: Cannot parse address "127.0.0.1": missing port',
    ],
    [
      "service names are unique",
      withRoot(...other("127.0.0.1:9000")).replace('"other"', '"web"'),
      9,
      '<service name="web">: duplicate service name "web"',
      "first at line 2",
    ],
    [
      "a listen address is used once in the whole config",
      withRoot(...other("127.0.0.1:8000")),
      10,
      '"127.0.0.1:8000" is already used by <service name="web"> at line 3',
    ],
    [
      "*:PORT and 0.0.0.0:PORT are the same listen address",
      withService('    <listen ip="*:80"/>', '    <listen ip="0.0.0.0:80"/>', ...GROUP, ENABLE),
      4,
      'listen address "0.0.0.0:80" is already used',
    ],
    [
      "the admin listen address counts too",
      withRoot('  <admin listen="127.0.0.1:8000"/>'),
      9,
      '<admin listen="127.0.0.1:8000">: listen address "127.0.0.1:8000" is already used',
    ],
  ]);
});

describe("group and host rules", () => {
  const RANDOM = 'name="main" scheduler="random"';
  refusals([
    ["a group needs a name", withGroup('scheduler="random"', HOST), 4, "<group>: missing"],
    [
      "a group needs a scheduler",
      withGroup('name="main"', HOST),
      4,
      '<group name="main">: missing attribute scheduler="…"',
      "expected one of random, roundrobin, leastconns, leastconnsrr",
    ],
    [
      "a scheduler must be known, and the error lists the known ones",
      withGroup('name="main" scheduler="fifo"', HOST),
      4,
      'unknown scheduler "fifo"; expected one of random, roundrobin, leastconns, leastconnsrr',
    ],
    ["a group needs a host", withGroup(RANDOM), 4, '<group name="main">: no <host'],
    [
      "a group holds only hosts",
      withGroup(RANDOM, HOST, '      <server ip="127.0.0.1:1"/>'),
      6,
      '<server ip="127.0.0.1:1">: unexpected element inside <group>; allowed: <host>',
    ],
    [
      "group names are unique in a service",
      withService(LISTEN, ...GROUP, ...GROUP, ENABLE),
      7,
      '<group name="main">: duplicate group name "main" in service "web"',
      "first at line 4",
    ],
    [
      "a host needs an ip",
      withGroup(RANDOM, '      <host name="a"/>'),
      5,
      '<host name="a">: missing',
    ],
    [
      "a host ip is HOST:PORT with IPv6 in brackets",
      withGroup(RANDOM, '      <host ip="::1:80"/>'),
      5,
      '<host ip="::1:80">: Cannot parse address "::1:80"',
      "brackets",
    ],
    [
      "a host name is not empty",
      withGroup(RANDOM, '      <host name="" ip="127.0.0.1:1"/>'),
      5,
      'empty name=""',
    ],
    [
      "host names are unique in a group",
      withGroup(RANDOM, HOST, '      <host name="a" ip="127.0.0.1:8002"/>'),
      6,
      'duplicate host name "a" in group "main"',
      "first at line 5",
    ],
    [
      "a default host.N name may not clash with an explicit one",
      withGroup(
        RANDOM,
        '      <host name="host.1" ip="127.0.0.1:1"/>',
        '      <host ip="127.0.0.1:2"/>',
      ),
      6,
      'duplicate default host name "host.1"',
    ],
    ...["0", "3601", "-1", "abc", "1e3", "", "0.0001", " 5"].map((value): Refusal => [
      `connect-timeout="${value}" is refused`,
      withGroup(`${RANDOM} connect-timeout="${value}"`, HOST),
      4,
      `<group name="main">: invalid connect-timeout="${value}"`,
      "from 0.001 to 3600",
    ]),
  ]);

  it("unnamed hosts are host.N by position in the group", () => {
    const xml = withGroup(
      RANDOM,
      '      <host ip="127.0.0.1:1"/>',
      HOST,
      '      <host ip="[::1]:3"/>',
    );
    const hosts = load(xml).services[0].groups[0].hosts;
    assert.deepEqual(hosts, [
      { name: "host.0", address: ep("127.0.0.1:1", "127.0.0.1", 1) },
      { name: "a", address: ep("127.0.0.1:8001", "127.0.0.1", 8001) },
      { name: "host.2", address: ep("[::1]:3", "::1", 3) },
    ]);
  });

  for (
    const [value, ms] of [["2.5", 2500], ["3600", 3_600_000], ["0.001", 1], [null, 5000]] as const
  ) {
    it(`connect-timeout ${value === null ? "absent" : `"${value}"`} is ${ms} ms`, () => {
      const attribute = value === null ? "" : ` connect-timeout="${value}"`;
      assert.equal(
        load(withGroup(RANDOM + attribute, HOST)).services[0].groups[0].connectTimeoutMs,
        ms,
      );
    });
  }
});

describe("admin rules", () => {
  const admin = (attributes: string, ...users: string[]) =>
    users.length
      ? withRoot(`  <admin ${attributes}>`, ...users, "  </admin>")
      : withRoot(`  <admin ${attributes}/>`);
  const AT = 'listen="127.0.0.1:7001"';
  const USER = '    <user name="ops" password="abhWCwoTZY2c6"/>';
  refusals([
    ["admin needs listen", admin('secure="no"'), 9, '<admin>: missing attribute listen="…"'],
    [
      "admin listen is HOST:PORT",
      admin('listen="localhost"'),
      9,
      'Cannot parse address "localhost": missing port',
    ],
    [
      "secure is yes or no",
      admin(`${AT} secure="true"`),
      9,
      'secure="true" is not allowed; expected no or yes',
    ],
    [
      'secure="yes" needs a key',
      admin(`${AT} secure="yes" cert="c.pem"`),
      9,
      'needs both cert="…" and key="…"',
    ],
    [
      'secure="yes" needs a cert',
      admin(`${AT} secure="yes" key="k.pem"`),
      9,
      'needs both cert="…" and key="…"',
    ],
    ["cert is not empty", admin(`${AT} secure="yes" cert="" key="k"`), 9, 'empty cert=""'],
    [
      "admin holds only users",
      admin(AT, '    <group name="x"/>'),
      10,
      '<group name="x">: unexpected element inside <admin>; allowed: <user>',
    ],
    [
      "a user needs a name",
      admin(AT, '    <user password="x"/>'),
      10,
      '<user>: missing attribute name="…"',
    ],
    [
      "a user needs a password",
      admin(AT, '    <user name="ops"/>'),
      10,
      '<user name="ops">: missing attribute password="…"',
    ],
    [
      "access is full or readonly",
      admin(AT, '    <user name="ops" password="x" access="admin"/>'),
      10,
      'access="admin" is not allowed; expected full or readonly',
    ],
    [
      "user names are unique",
      admin(AT, USER, USER),
      11,
      '<user name="ops">: duplicate user name "ops" in <admin>',
      "first at line 10",
    ],
  ]);

  it('secure="yes" with cert and key loads', () => {
    assert.deepEqual(load(admin(`${AT} secure="yes" cert="c.pem" key="k.pem"`)).admin, {
      listen: ep("127.0.0.1:7001", "127.0.0.1", 7001),
      secure: true,
      cert: "c.pem",
      key: "k.pem",
      users: [],
    });
  });

  it("cert and key without secure are a warning, and kept", () => {
    const { config, warnings } = parseConfig(admin(`${AT} cert="c.pem" key="k.pem"`), "ok.xml");
    assert.deepEqual(warnings.map((w) => w.message), [
      'ok.xml:9:3: <admin listen="127.0.0.1:7001">: cert and key are ignored unless secure="yes"',
    ]);
    assert.equal(config.admin?.cert, "c.pem");
  });

  it("access defaults to full", () => {
    assert.deepEqual(load(admin(AT, USER)).admin?.users, [
      { name: "ops", password: "abhWCwoTZY2c6", access: "full" },
    ]);
  });

  it("no admin element means no admin", () => {
    assert.equal("admin" in load(withRoot()), false);
  });
});

describe("logging and checktime rules", () => {
  refusals([
    [
      "logging file is not empty",
      withRoot('  <logging file=""/>'),
      9,
      '<logging file="">: empty file=""',
    ],
    [
      "checktime needs time",
      withRoot("  <checktime/>"),
      9,
      '<checktime>: missing attribute time="…"',
    ],
    ...["0", "-5", "soon", "99999999999", "2 "].map((value): Refusal => [
      `checktime time="${value}" is refused`,
      withRoot(`  <checktime time="${value}"/>`),
      9,
      `<checktime time="${value}">: invalid time="${value}"`,
    ]),
  ]);

  it("logging is optional, and so is its file", () => {
    assert.deepEqual(load(withRoot()).logging, {});
    assert.deepEqual(load(withRoot("  <logging/>")).logging, {});
    assert.deepEqual(load(withRoot('  <logging file="/var/log/d.log"/>')).logging, {
      file: "/var/log/d.log",
    });
  });

  it("checktime defaults to 120 and accepts decimals", () => {
    assert.equal(load(withRoot()).checktimeSeconds, 120);
    assert.equal(load(withRoot('  <checktime time="2.5"/>')).checktimeSeconds, 2.5);
  });
});
