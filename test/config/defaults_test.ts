/**
 * Defaults and limits defined once: what the parser fills in for a silent
 * config is `DEFAULTS`, and the largest values it accepts are `LIMITS`,
 * one more refused — so a change to `defaults.ts` changes the parser too.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULTS, LIMITS } from "../../src/config/defaults.ts";
import { ConfigError } from "../../src/config/model.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { DEFAULT_STICKY_TIME_MS, DEFAULT_WEIGHT, MAX_WEIGHT } from "../../src/config/scheduling.ts";

/** A config with `service`, `group`, `host` attributes and extra root children. */
function xml(
  opts: { service?: string; group?: string; host?: string; check?: string; root?: string },
) {
  return `<pdconfig>${opts.root ?? ""}<service name="s" ${opts.service ?? ""}>
    <listen ip="127.0.0.1:1"/>
    <group name="g" scheduler="roundrobin" ${opts.group ?? ""}>
      ${opts.check ?? ""}<host name="h" ip="127.0.0.1:2" ${opts.host ?? ""}/>
    </group><enable group="g"/></service></pdconfig>`;
}
const parse = (text: string) => parseConfig(text, "t.xml").config;
const refused = (text: string) => assert.throws(() => parse(text), ConfigError);

test("defaults: a silent config gets DEFAULTS", () => {
  const config = parse(xml({ check: "<check/>" }));
  const group = config.services[0].groups[0];
  assert.equal(config.checktimeSeconds, DEFAULTS.checktimeSeconds);
  assert.equal(group.connectTimeoutMs, DEFAULTS.connectTimeoutMs);
  assert.deepEqual(group.check, { ...DEFAULTS.check });
  assert.equal(group.stickyTimeMs, undefined, "the default is not stored");
  assert.equal(group.hosts[0].weight, undefined);
  assert.equal(config.timeouts, undefined);
});

test("defaults: the older names are the same values", () => {
  assert.equal(DEFAULT_WEIGHT, DEFAULTS.weight);
  assert.equal(MAX_WEIGHT, LIMITS.weight);
  assert.equal(DEFAULT_STICKY_TIME_MS, DEFAULTS.stickyTimeMs);
});

test("limits: each largest value is accepted by the parser, one more is refused", () => {
  const cases: [string, (n: number) => string][] = [
    [String(LIMITS.maxconn), (n) => xml({ service: `maxconn="${n}"` })],
    [String(LIMITS.maxconn), (n) => xml({ host: `maxconn="${n}"` })],
    [String(LIMITS.connectTimeoutS), (n) => xml({ group: `connect-timeout="${n}"` })],
    [String(LIMITS.connectTimeoutS), (n) => xml({ group: `queue-timeout="${n}"` })],
    [String(LIMITS.idleTimeoutS), (n) => xml({ service: `idle-timeout="${n}"` })],
    [String(LIMITS.stickyTimeS), (n) => xml({ group: `stickytime="${n}"` })],
    [String(LIMITS.checktimeS), (n) => xml({ root: `<checktime time="${n}"/>` })],
    [String(LIMITS.idleTimeoutS), (n) => xml({ root: `<timeouts drain="${n}"/>` })],
    [String(LIMITS.connectTimeoutS), (n) => xml({ root: `<timeouts admin-request="${n}"/>` })],
    [String(LIMITS.workers), (n) => xml({ root: `<performance workers="${n}"/>` })],
    [String(LIMITS.checkCount), (n) => xml({ check: `<check rise="${n}" fall="${n}"/>` })],
    [String(LIMITS.weight), (n) => xml({ host: `weight="${n}"` })],
  ];
  for (const [max, make] of cases) {
    const n = Number(max);
    assert.doesNotThrow(() => parse(make(n)), make(n));
    refused(make(n + 1));
  }
});
