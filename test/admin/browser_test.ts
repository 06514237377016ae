/**
 * The admin page in a real browser (Debian's Chromium via playwright-core)
 * against a real Director process with real backends: the forms work with
 * and without JavaScript, the live script updates counters in place and
 * reloads when the structure changes, destructive buttons ask first, and
 * the CSP is never violated. Screenshots (desktop, phone, dark) land in
 * `.test-results/` for a human to look at.
 *
 * Skipped when `/usr/bin/chromium` is missing (`apt-get install chromium`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from "playwright-core";
import { hashPassword } from "../../src/passwords/passwords.ts";
import { freePort, ROOT, startDirector } from "../integration/harness.ts";
import { bigConfig } from "../support/big_config.ts";
import { type Backend, namedBackend, whoAnswers } from "../integration/peers.ts";
import { requireTool } from "../support/skip.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const USER = { username: "ops", password: "browser-test-secret" };
const VIEWER = { username: "viewer", password: "viewer-test-secret" };
const RESULTS = join(ROOT, ".test-results");
const WAIT_MS = 10_000;

async function configXml(listen: number, admin: number, ports: Record<string, number>) {
  const [hash, viewerHash] = [
    await hashPassword(USER.password, 4),
    await hashPassword(VIEWER.password, 4),
  ];
  const host = (name: string) => `<host name="${name}" ip="127.0.0.1:${ports[name]}"/>`;
  return `<pdconfig>
  <service name="web">
    <listen ip="127.0.0.1:${listen}"/>
    <group name="main" scheduler="roundrobin" connect-timeout="2">
      ${host("alpha")} ${host("beta")} ${host("broken")}
    </group>
    <group name="spare" scheduler="leastconns">${host("gamma")}</group>
    <enable group="main"/>
  </service>
  <admin listen="127.0.0.1:${admin}">
    <user name="${USER.username}" password="${hash}" access="full"/>
    <user name="${VIEWER.username}" password="${viewerHash}" access="readonly"/>
  </admin>
  <checktime time="600"/>
</pdconfig>
`;
}

/** A page that fails the test on any script error or console error (CSP violations are those). */
async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  Object.assign(page, { problems });
  await page.goto(url);
  return page;
}
const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;

/**
 * Click a form's button and wait for the page that the post redirects to.
 * Waiting for the result message (only on the new page) matters: the live
 * script may already show the change on the old page before it goes away.
 */
async function submit(page: Page, button: Locator, result: string) {
  await button.click();
  await page.locator("#result.ok").filter({ hasText: result }).waitFor();
  await page.waitForLoadState("load"); // the deferred script has run
  await page.waitForURL((url) => url.search === ""); // it strips resultMessage
}

const row = (page: Page, group: string, host: string) =>
  page.locator(`article[data-group="${group}"] tr[data-host="${host}"]`);

test(
  "admin page in Chromium: forms, live updates, no-JS posts",
  requireTool("chromium"),
  async () => {
    const backends: Backend[] = [];
    let browser: Browser | undefined;
    let director: Awaited<ReturnType<typeof startDirector>> | undefined;
    let current: Page | undefined; // for a screenshot when a step fails
    try {
      const ports: Record<string, number> = { broken: await freePort() };
      for (const name of ["alpha", "beta", "gamma", "delta"]) {
        const backend = await namedBackend(name);
        backends.push(backend);
        ports[name] = backend.port;
      }
      const [listen, adminPort] = [await freePort(), await freePort()];
      director = await startDirector(await configXml(listen, adminPort, ports));
      const base = `http://127.0.0.1:${adminPort}`;
      // Traffic, so the page has counters and a bad host (`broken` refuses).
      for (let i = 0; i < 6; i++) assert.match(await whoAnswers(listen), /^(alpha|beta)$/);

      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
      const context = await browser.newContext({
        httpCredentials: USER,
        viewport: { width: 1280, height: 900 },
      });
      const page = current = await openPage(context, `${base}/running`);
      await page.locator('#live-state[data-state="live"]').waitFor();
      assert.equal(await row(page, "main", "broken").getAttribute("data-state"), "bad");
      assert.match(await row(page, "main", "broken").locator(".reason").innerText(), /refused/i);

      // Add a host with the form.
      const addHost = page.locator('article[data-group="main"] form[data-call="addHost"]');
      await addHost.locator('input[name="name"]').fill("delta");
      await addHost.locator('input[name="ip"]').fill(`127.0.0.1:${ports.delta}`);
      await submit(page, addHost.locator('button[type="submit"]'), 'added host "delta"');
      assert.equal(await row(page, "main", "delta").count(), 1);

      // A refused change shows the page with the error; the script renames the URL
      // (`/addHost`, from a post) to `/running` so a reload cannot post again.
      await addHost.locator('input[name="name"]').fill("nowhere");
      await addHost.locator('input[name="ip"]').fill("not an address");
      await addHost.locator('button[type="submit"]').click();
      await page.locator("#result.error").waitFor();
      await page.waitForURL((url) => url.pathname === "/running");

      // Enable the spare group with its button.
      const enable = page.locator(
        'article[data-group="spare"] form[data-call="enableGroup"] button',
      );
      await submit(page, enable, 'enabled group "spare"');
      await page.locator('article[data-group="spare"][data-enabled="true"] .pill.on').waitFor();
      assert.equal(
        await page.locator('article[data-group="main"]').getAttribute("data-enabled"),
        "false",
      );

      // Take a host admin-down.
      const down = row(page, "main", "alpha").locator('form[data-call="hostAdminDown"] button');
      await submit(page, down, '"alpha" is admin-down');
      const alphaState = row(page, "main", "alpha").locator('[data-field="state"]');
      assert.equal(await alphaState.innerText(), "admin down");

      // Live update in place: traffic to gamma shows up without a reload.
      await page.evaluate(() => Object.assign(globalThis, { notReloaded: true }));
      assert.equal(await whoAnswers(listen), "gamma");
      await row(page, "spare", "gamma").locator('[data-field="total"]', { hasText: /^1$/ })
        .waitFor();
      assert.equal(await page.evaluate(() => "notReloaded" in globalThis), true);

      // The pause toggle stops and restarts the polling.
      await page.locator("#live-toggle", { hasText: "Pause" }).click();
      await page.locator('#live-state[data-state="paused"]').waitFor();
      await page.locator("#live-toggle", { hasText: "Resume" }).click();
      await page.locator('#live-state[data-state="live"]').waitFor();

      // A change made elsewhere (a legacy GET, as from curl) reloads the page by itself.
      const auth = "Basic " + btoa(`${USER.username}:${USER.password}`);
      const url = `${base}/addHost?service=web&group=spare&name=epsilon&ip=127.0.0.1:${ports.beta}`;
      assert.equal((await fetch(url, { headers: { authorization: auth } })).status, 200);
      await row(page, "spare", "epsilon").waitFor();
      await page.waitForLoadState("load");

      // Destructive buttons ask: dismissed does nothing, accepted deletes.
      const remove = row(page, "spare", "epsilon").locator('form[data-call="delHost"] button');
      const questions: string[] = [];
      page.once("dialog", (dialog) => (questions.push(dialog.message()), dialog.dismiss()));
      await remove.click();
      await page.waitForTimeout(300);
      assert.equal(await row(page, "spare", "epsilon").count(), 1);
      page.once("dialog", (dialog) => (questions.push(dialog.message()), dialog.accept()));
      await submit(page, remove, 'deleted host "epsilon"');
      assert.equal(await row(page, "spare", "epsilon").count(), 0);
      assert.match(questions.join("\n"), /Remove host epsilon .*\?\n.*epsilon/);

      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: join(RESULTS, "admin-page.png"), fullPage: true });
      // The refused post above is the only resource that may fail (the browser logs its 400).
      const expected = /status of 400 .*\/addHost\)$/;
      assert.deepEqual(problemsOf(page).filter((p) => !expected.test(p)), []);

      // Phone width and dark mode, for the screenshots and the layout.
      const phone = await browser.newContext({
        httpCredentials: USER,
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      const small = await openPage(phone, `${base}/running`);
      await small.locator('#live-state[data-state="live"]').waitFor();
      const overflow = await small.evaluate(() =>
        document.documentElement.scrollWidth - innerWidth
      );
      assert.ok(overflow <= 0, `the page scrolls sideways on a phone by ${overflow}px`);
      await small.screenshot({ path: join(RESULTS, "admin-page-phone.png"), fullPage: true });
      const dark = await browser.newContext({ httpCredentials: USER, colorScheme: "dark" });
      const night = await openPage(dark, `${base}/running`);
      await night.locator('#live-state[data-state="live"]').waitFor();
      await night.screenshot({ path: join(RESULTS, "admin-page-dark.png"), fullPage: true });
      // Read-only: the same page, live, without a single change form (the search is a GET).
      const readonly = await browser.newContext({ httpCredentials: VIEWER });
      const watch = await openPage(readonly, `${base}/running`);
      await watch.locator('#live-state[data-state="live"]').waitFor();
      assert.equal(await watch.locator('form[method="post"]').count(), 0);
      assert.equal(await watch.locator('form[method="get"][role="search"]').count(), 1);
      assert.match(await watch.locator("#readonly-note").innerText(), /read-only/);
      await watch.goto(`${base}/`);
      await watch.screenshot({ path: join(RESULTS, "admin-index.png") });
      assert.deepEqual([...problemsOf(small), ...problemsOf(night), ...problemsOf(watch)], []);

      // JavaScript off: the forms still post, and the result comes back in the URL.
      const plain = await browser.newContext({ httpCredentials: USER, javaScriptEnabled: false });
      const nojs = await openPage(plain, `${base}/running`);
      assert.equal(await nojs.locator("#live-state").isHidden(), true);
      await row(nojs, "main", "alpha").locator('form[data-call="hostAdminUp"] button').click();
      await nojs.waitForURL(/\/running\?resultMessage=/);
      assert.match(await nojs.locator("#result.ok").innerText(), /"alpha" is admin-up again/);
      assert.equal(await row(nojs, "main", "alpha").getAttribute("data-state"), "up");
    } catch (error) {
      mkdirSync(RESULTS, { recursive: true });
      await current?.screenshot({ path: join(RESULTS, "admin-page-failure.png"), fullPage: true })
        .catch(() => {});
      console.error(`failed at ${current?.url()}; director log:\n${director?.output()}`);
      throw error;
    } finally {
      await browser?.close().catch(() => {});
      await director?.stop();
      await Promise.all(backends.map((b) => b.close()));
    }
  },
);

test(
  "the overview of 300 services in Chromium: summary, search, one service, live counts",
  requireTool("chromium"),
  async () => {
    let browser: Browser | undefined;
    let director: Awaited<ReturnType<typeof startDirector>> | undefined;
    let page: Page | undefined;
    try {
      const adminPort = await freePort();
      const hash = await hashPassword(USER.password, 4);
      director = await startDirector(bigConfig({
        services: 300,
        hostsPerService: 20,
        // Out of the way of other tests, which listen on 127.0.0.1.
        listenHost: `127.0.${100 + Math.floor(Math.random() * 100)}.1`,
        basePort: 20000 + Math.floor(Math.random() * 10000),
        extraXml: `<admin listen="127.0.0.1:${adminPort}">
          <user name="${USER.username}" password="${hash}" access="full"/></admin>`,
      }));
      const base = `http://127.0.0.1:${adminPort}`;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
      const context = await browser.newContext({
        httpCredentials: USER,
        viewport: { width: 1280, height: 900 },
      });
      page = await openPage(context, `${base}/running`);
      await page.locator('#live-state[data-state="live"]').waitFor();
      assert.equal(await page.locator("tr[data-summary]").count(), 100);
      assert.equal(await page.locator("tr[data-key]").count(), 0, "no host rows on the overview");
      // The summary follows the state in place: take a host down through the API.
      const svc0 = page.locator('tr[data-summary="svc0"]');
      assert.equal(await svc0.locator('[data-field="adminDown"]').innerText(), "0");
      const auth = "Basic " + btoa(`${USER.username}:${USER.password}`);
      const down = await fetch(`${base}/hostAdminDown?service=svc0&group=main&host=h3`, {
        headers: { authorization: auth },
      });
      assert.equal(down.status, 200, await down.text());
      await svc0.locator('[data-field="adminDown"]').filter({ hasText: "1" }).waitFor();
      assert.equal(await svc0.locator('[data-field="up"]').innerText(), "19");
      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: join(RESULTS, "admin-overview.png") });
      // Search, then one service with its hosts, live too.
      await page.locator('form[role="search"] input[name="q"]').fill("svc12");
      await page.locator('form[role="search"] button[type="submit"]').click();
      await page.waitForURL((url) => url.searchParams.get("q") === "svc12");
      assert.equal(await page.locator("tr[data-summary]").count(), 11);
      await page.locator('tr[data-summary="svc120"] a').click();
      await page.waitForURL((url) => url.searchParams.get("service") === "svc120");
      await page.locator('#live-state[data-state="live"]').waitFor();
      assert.equal(await page.locator("tr[data-key]").count(), 20);
      assert.deepEqual(problemsOf(page), []);
    } catch (error) {
      mkdirSync(RESULTS, { recursive: true });
      await page?.screenshot({ path: join(RESULTS, "admin-overview-failure.png"), fullPage: true })
        .catch(() => {});
      console.error(`failed at ${page?.url()}; director log:\n${director?.output()}`);
      throw error;
    } finally {
      await browser?.close().catch(() => {});
      await director?.stop();
    }
  },
);
