/**
 * `/api/v1/status` carries each service's traffic policy: its allow/deny
 * rules and SNI routes in order, its per-client limits and SNI timeout,
 * and the clients refused so far by reason (through `app.request()`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Logger } from "../../src/log.ts";
import { Admission } from "../../src/policy/admission.ts";
import { adminFixture } from "./fixture.ts";

test("/api/v1/status shows a service's policy in order, its limits and refusals", async () => {
  const f = adminFixture();
  try {
    const calls = [
      "addAcl?service=web&action=deny&src=127.0.0.9",
      "addAcl?service=web&action=allow&src=127.0.0.0/8",
      "addAcl?service=web&action=deny&src=::1&position=0",
      "addRoute?service=web&sni=*.example.com&group=upgrade",
      "addRoute?service=web&sni=api.example.com&group=main&position=0",
      "changeService?service=web&clientMaxconn=3&clientRate=10/2&sniTimeout=1.5",
    ];
    for (const call of calls) {
      const res = await f.call(`/${call}`);
      assert.equal(res.status, 200, `${call}: ${await res.text()}`);
    }
    const service = [...f.controller.model.services].find((s) => s.name === "web")!;
    const admission = new Admission(f.controller.model.arena, 0, new Logger({ level: "error" }));
    admission.refuse(service, "denied", "127.0.0.9");
    admission.refuse(service, "denied", "127.0.0.9");
    admission.refuse(service, "client-rate", "127.0.0.2");
    admission.refuse(service, "sni-timeout", "127.0.0.3");

    const status = await (await f.call("/api/v1/status?service=web")).json();
    assert.deepEqual(status.services[0].policy, {
      acl: [
        { action: "deny", src: "::1" },
        { action: "deny", src: "127.0.0.9" },
        { action: "allow", src: "127.0.0.0/8" },
      ],
      routes: [
        { sni: "api.example.com", group: "main" },
        { sni: "*.example.com", group: "upgrade" },
      ],
      clientMaxconn: 3,
      clientRate: "10/2",
      sniTimeoutMs: 1500,
      refused: { denied: 2, clientMaxconn: 0, clientRate: 1, sniTimeout: 1 },
    });
  } finally {
    f.close();
  }
});

test("/api/v1/status: a service without a policy has empty lists, no limits, the default timeout", async () => {
  const f = adminFixture();
  try {
    const status = await (await f.call("/api/v1/status")).json();
    assert.deepEqual(status.services[0].policy, {
      acl: [],
      routes: [],
      clientMaxconn: null,
      clientRate: null,
      sniTimeoutMs: 5000,
      refused: { denied: 0, clientMaxconn: 0, clientRate: 0, sniTimeout: 0 },
    });
  } finally {
    f.close();
  }
});
