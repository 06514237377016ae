/**
 * Cross-site refusal of admin changes: what browsers say about a request's
 * origin decides; scripts that say nothing keep working.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { crossSiteReason } from "../../src/admin/csrf.ts";

const URL = "http://127.0.0.1:9000/delHost?service=s";
const request = (headers: Record<string, string>) => new Request(URL, { headers });

test("csrf: another site or port is refused, by Sec-Fetch-Site or by Origin", () => {
  assert.match(crossSiteReason(request({ "sec-fetch-site": "cross-site" }))!, /cross-site/);
  assert.match(crossSiteReason(request({ "sec-fetch-site": "same-site" }))!, /same-site/);
  assert.match(
    crossSiteReason(request({ origin: "http://evil.example" }))!,
    /Origin http:\/\/evil\.example is not http:\/\/127\.0\.0\.1:9000/,
  );
  assert.ok(crossSiteReason(request({ origin: "http://127.0.0.1:9001" })), "another port");
  assert.ok(crossSiteReason(request({ origin: "null" })), "an opaque origin");
});

test("csrf: the admin's own origin, a typed URL and scripts may go", () => {
  assert.equal(crossSiteReason(request({})), undefined, "curl, wget: no header");
  assert.equal(crossSiteReason(request({ origin: "http://127.0.0.1:9000" })), undefined);
  assert.equal(crossSiteReason(request({ "sec-fetch-site": "none" })), undefined);
  // Same-origin is trusted over an Origin some browsers send as "null".
  const same = request({ "sec-fetch-site": "same-origin", origin: "null" });
  assert.equal(crossSiteReason(same), undefined);
});
