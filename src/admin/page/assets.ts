/**
 * The admin page's stylesheet and script, served by the admin app as
 * `/static/admin.css` and `/static/admin.js` (the CSP allows only
 * same-origin files: no inline styles, scripts or event handlers).
 *
 * `ADMIN_JS` is assembled from real functions: the shared formatters of
 * `page_format.ts` and the parts of `live.ts`, embedded by their source
 * text. That keeps the script type-checked and linted, and guarantees that
 * the numbers it writes look exactly like the ones the server rendered.
 *
 * @module
 */
import { LIVE_PARTS } from "./live.ts";
import { SHARED_HELPERS } from "./page_format.ts";

export const ADMIN_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --card: #fff; --text: #1d2430; --muted: #5f6b7a; --line: #dde2e8;
  --accent: #2563eb; --accent-text: #fff; --ok: #15803d; --ok-bg: #e7f6ec;
  --bad: #b42318; --bad-bg: #fdecea; --warn: #8a5a00; --warn-bg: #fff4d6;
  --down-bg: #eceff3; --input: #fff; --shadow: 0 1px 2px rgb(16 24 40 / 6%);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f141a; --card: #171e27; --text: #e4e9ef; --muted: #97a3b2; --line: #2a3440;
    --accent: #4c8dff; --accent-text: #08111f; --ok: #4ade80; --ok-bg: #12301f;
    --bad: #ff8a80; --bad-bg: #3a1815; --warn: #fbbf24; --warn-bg: #352a0c;
    --down-bg: #252e39; --input: #0f141a; --shadow: none;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--accent); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
.wrap { max-width: 1400px; margin: 0 auto; padding: 0 16px 40px; }
.top { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: center; padding: 14px 0 10px; }
.brand { font-size: 1.25rem; font-weight: 650; margin: 0; }
.brand a { color: inherit; text-decoration: none; }
.brand small { color: var(--muted); font-weight: 400; font-size: .8rem; margin-left: 6px; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0; color: var(--muted); }
.facts div { display: flex; gap: 6px; }
.facts dt::after { content: ":"; }
.facts dd { margin: 0; color: var(--text); font-variant-numeric: tabular-nums; }
.live { margin-left: auto; display: flex; gap: 10px; align-items: center; }
.live-state::before { content: "\\25CF"; margin-right: 5px; color: var(--muted); }
.live-state[data-state=live]::before { color: var(--ok); }
.live-state[data-state=offline]::before { color: var(--bad); }
.views { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 6px 0 12px; border-bottom: 1px solid var(--line); margin-bottom: 16px; }
.views a { text-decoration: none; }
.views a:hover { text-decoration: underline; }
.views a[aria-current=page] { color: var(--text); font-weight: 600; }
.note { padding: 10px 14px; border-radius: 8px; margin: 0 0 14px; border: 1px solid var(--line); background: var(--card); }
.note.ok { background: var(--ok-bg); border-color: transparent; color: var(--ok); }
.note.error { background: var(--bad-bg); border-color: transparent; color: var(--bad); }
.note.pending { background: var(--warn-bg); border-color: transparent; color: var(--warn); }
.service { margin: 0 0 28px; }
.service-head { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: baseline; margin-bottom: 10px; }
.service-head h2 { margin: 0; font-size: 1.2rem; }
.kicker { font-size: .75rem; font-weight: 600; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin-right: 4px; }
.service-head .meta { color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; box-shadow: var(--shadow); margin: 0 0 14px; padding: 12px 14px; }
/* Every group has the same left edge (so host tables line up); the enabled one's is green. */
.group { border-left: 4px solid var(--line); }
.group.enabled { border-left-color: var(--ok); }
.group-head { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; margin-bottom: 8px; }
.group-head h3 { margin: 0; font-size: 1.02rem; }
.group-head .meta { color: var(--muted); }
.group-head .push { margin-left: auto; }
.pill { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: .78rem; font-weight: 600; letter-spacing: .02em; text-transform: uppercase; background: var(--down-bg); color: var(--muted); }
.pill.on { background: var(--ok-bg); color: var(--ok); }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 0 -14px; padding: 0 14px; }
table { border-collapse: collapse; width: 100%; }
table.hosts { table-layout: fixed; min-width: 1000px; }
.col-address { width: 12%; } .col-state { width: 16%; } .col-open { width: 5%; }
.col-total { width: 8%; } .col-bytes { width: 10%; } .col-failures { width: 7%; }
.col-last { width: 9%; } .col-actions { width: 20%; }
th.actions-col, td.actions-col { padding-left: 18px; }
tbody th { text-transform: none; letter-spacing: 0; font-size: inherit; color: var(--text); font-weight: 600; }
td, tbody th { overflow-wrap: anywhere; }
td.mono { overflow-wrap: break-word; }
th, td { text-align: left; padding: 7px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .78rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:last-child > * { border-bottom: 0; }
td.empty { color: var(--muted); text-align: center; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 6px; font-size: .82rem; font-weight: 600; white-space: nowrap; }
.badge-up { background: var(--ok-bg); color: var(--ok); }
.badge-bad { background: var(--bad-bg); color: var(--bad); }
.badge-admin-down { background: var(--down-bg); color: var(--muted); }
/* New connections per second over the last minute, under the total. */
.spark { display: inline-block; width: 36px; height: 14px; margin-right: 6px; vertical-align: -2px; }
.spark path { fill: none; stroke: var(--accent); stroke-width: 1.2; vector-effect: non-scaling-stroke; opacity: .7; }
.reason { display: block; color: var(--bad); font-size: .86rem; }
.since { display: block; color: var(--muted); font-size: .8rem; }
.actions { display: flex; flex-wrap: wrap; gap: 4px; }
form { margin: 0; }
form.inline { display: inline-flex; flex-wrap: wrap; gap: 8px; align-items: flex-end; }
label.field { display: flex; flex-direction: column; font-size: .78rem; color: var(--muted); gap: 2px; }
input, select, button { font: inherit; font-size: .9rem; }
input, select { padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--input); color: var(--text); min-width: 0; }
input:focus, select:focus, button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
button { padding: 5px 12px; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--text); cursor: pointer; white-space: nowrap; }
button:hover { border-color: var(--muted); }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
button.danger { color: var(--bad); }
button.small { padding: 2px 8px; font-size: .8rem; }
form.add-host { display: flex; border-top: 1px dashed var(--line); margin-top: 10px; padding-top: 10px; }
details { margin-top: 10px; }
.pill.backup { background: var(--warn-bg, #fff4e0); color: var(--warn, #8a5a00); }
details.history { margin-top: 4px; }
details.history > summary { font-size: .8rem; }
details.history > summary.flapping { color: var(--bad); font-weight: 600; }
details.history ol { margin: 4px 0 0; padding-left: 1.2em; font-size: .78rem; color: var(--muted); }
details > summary { cursor: pointer; color: var(--muted); font-size: .9rem; }
details > .body { display: flex; flex-wrap: wrap; gap: 12px 24px; padding-top: 10px; }
.admin h2 { font-size: 1.1rem; margin: 8px 0 10px; }
.admin .card h3 { margin: 0 0 8px; font-size: .95rem; }
.hint { color: var(--muted); font-size: .85rem; margin: 6px 0 0; }
.users td { vertical-align: middle; }
/* A service's traffic policy, and the fleet of a cluster node. */
.policy { border-left: 4px solid var(--accent); }
.policy h4, .fleet h3 { margin: 12px 0 4px; font-size: .9rem; }
.policy .group-head .meta, .fleet .meta { color: var(--muted); }
.policy table, .fleet table { width: auto; min-width: 50%; }
.users table { width: auto; min-width: 50%; }
/* The overview of many services: search, a summary row each, pages. */
form.search { margin: 0 0 12px; }
table.summary { min-width: 720px; }
table.summary tr[data-state=bad] [data-field=bad] { color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); font-weight: 400; }
.pager { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: baseline; margin-top: 8px; }
.pager .meta { color: var(--muted); font-size: .85rem; }
.crumbs { margin: 0 0 12px; }
.overview { max-width: 720px; }
.overview dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; }
.overview ul { list-style: none; display: grid; gap: 6px; }
.overview dt { color: var(--muted); }
.overview dd { margin: 0; }
@media (max-width: 640px) {
  :root { font-size: 14px; }
  .wrap { padding: 0 10px 32px; }
  .live { margin-left: 0; }
  .group-head .push { margin-left: 0; }
  form.inline { display: flex; }
  form.inline label.field { flex: 1 1 140px; }
  /* Host names stay in view while the table scrolls sideways. */
  table.hosts tbody th, table.hosts thead th:first-child { position: sticky; left: 0; background: var(--card); z-index: 1; }
  table.hosts { min-width: 1080px; }
}
`;

/** Builds the served script; exported for the tests (it must parse as a classic script). */
export function buildAdminJs(): string {
  const helpers = Object.entries(SHARED_HELPERS);
  return [
    "// Director admin page: live updates. Built from src/admin/live.ts and page_format.ts.",
    '"use strict";',
    "(() => {",
    ...[...helpers, ...Object.entries(LIVE_PARTS)].map(([name, fn]) =>
      `const ${name} = ${fn.toString()};`
    ),
    `liveMain({ ${helpers.map(([name]) => name).join(", ")} });`,
    "})();",
    "",
  ].join("\n");
}

export const ADMIN_JS: string = buildAdminJs();
