/** @jsxImportSource hono/jsx */
// deno-lint-ignore-file jsx-key -- server rendering needs no keys, and Hono would print them
/**
 * The admin web pages, rendered on the server with Hono JSX: `/` (overview)
 * and `/running` (every service, group and host, with a form for every
 * change a `full` user may make).
 *
 * The pages work without JavaScript; `/static/admin.js` (see `assets.ts`)
 * adds live updates. The CSP forbids inline scripts and styles, so there
 * are none: styling is classes only, state is `hidden` and `data-*`
 * attributes. Everything from the snapshot goes through JSX text and
 * attributes, which Hono escapes.
 *
 * @module
 */
import { raw } from "hono/html";
import type { Child, FC } from "hono/jsx";
import { FleetSection } from "./page_fleet.tsx";
import { AdminSection } from "./page_forms.tsx";
import { formatDuration, formatTime, shapeOf, snapshotNow, visible } from "./page_format.ts";
import { SearchForm, SummaryTable, viewHref } from "./page_overview.tsx";
import { type PageContext, ServiceSection } from "./page_parts.tsx";
import type { ClusterStatus } from "../../control/cluster_registry.ts";
import type { StatusSnapshot } from "../views/status.ts";
import type { SummaryPage } from "../views/summary.ts";
import type { ViewQuery } from "../views/view_query.ts";

const VIEWS: [href: string, label: string, what: string][] = [
  ["/", "Overview", "this page"],
  ["/running", "Running state", "every service, group and host, live, with the controls"],
  ["/running.txt", "running.txt", "the same as plain text, one record per line"],
  ["/running.xml", "running.xml", "the running configuration, in the config file's format"],
  ["/config.xml", "config.xml", "the config file as last loaded (start or reload)"],
  ["/config-vs-running", "Config vs running", "what changed since the config was loaded"],
];

/** Inline, so the browser does not ask for `/favicon.ico` (the CSP allows `data:` images). */
const FAVICON = "data:image/svg+xml," +
  "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>" +
  "<rect width='16' height='16' rx='4' fill='%232563eb'/>" +
  "<path d='M3 8h9M8.5 4.5 12 8l-3.5 3.5' stroke='white' stroke-width='1.8' fill='none'/></svg>";

const Layout: FC<{ title: string; children?: Child }> = ({ title, children }) => (
  <>
    {raw("<!DOCTYPE html>")}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        {
          /* Not `no-referrer`: with it, Chrome sends `Origin: null` on form posts and the
            cross-site check refuses them. `same-origin` still tells other sites nothing. */
        }
        <meta name="referrer" content="same-origin" />
        <title>{title}</title>
        <link rel="icon" href={FAVICON} />
        <link rel="stylesheet" href="/static/admin.css" />
        <script src="/static/admin.js" defer></script>
      </head>
      <body>
        <div class="wrap">{children}</div>
      </body>
    </html>
  </>
);

const Views: FC<{ current: string }> = ({ current }) => (
  <nav class="views" aria-label="Views">
    {VIEWS.map(([href, label]) => (
      <a href={href} aria-current={href === current ? "page" : undefined}>{label}</a>
    ))}
  </nav>
);

export interface RunningPageProps {
  /** The services shown in full (none when only the overview is shown). */
  status: StatusSnapshot;
  /** The overview rows; absent on the page of one service. */
  summary?: SummaryPage;
  /** What the request asked to see (one service, a search, a page). */
  view?: ViewQuery;
  /** What the live script polls for the services shown in full (none: nothing to poll). */
  poll?: string;
  user: { name: string; access: "full" | "readonly" };
  resultMessage?: string;
  resultKind?: "ok" | "error";
  schedulers: readonly string[];
}

const Brand: FC<{ version: string }> = ({ version }) => (
  <h1 class="brand">
    <a href="/">Director</a>
    <small>{version}</small>
  </h1>
);

/** The running page's top: what runs where, and the live-update controls. */
const RunningHeader: FC<Pick<RunningPageProps, "status" | "user">> = ({ status, user }) => (
  <header class="top">
    <Brand version={status.version} />
    <dl class="facts">
      <div>
        <dt>host</dt>
        <dd>{visible(status.hostname)}</dd>
      </div>
      <div>
        <dt>up</dt>
        <dd id="uptime">{formatDuration(status.uptimeSeconds)}</dd>
      </div>
      <div>
        <dt>open connections</dt>
        <dd id="open-connections">{status.openConnections}</dd>
      </div>
      <div>
        <dt>user</dt>
        <dd id="user">{visible(user.name)} ({user.access})</dd>
      </div>
    </dl>
    <div class="live">
      <span id="live-state" class="live-state" hidden>
        Auto-refresh: <span class="live-text">live</span>
      </span>
      <button type="button" id="live-toggle" class="small" aria-pressed="false" hidden>
        Pause
      </button>
      <a href="/running">Refresh</a>
    </div>
  </header>
);

/** The notes above the services: a change made elsewhere, the last result, read-only access. */
const RunningNotes: FC<
  Pick<RunningPageProps, "resultMessage" | "resultKind"> & { full: boolean }
> = ({ full, resultMessage, resultKind = "ok" }) => (
  <>
    <p id="pending" class="note pending" role="status" hidden>
      The configuration changed while you were typing. <a href="/running">Refresh</a>{" "}
      to see the changes.
    </p>
    {resultMessage !== undefined && (
      <p
        id="result"
        class={`note ${resultKind}`}
        role={resultKind === "error" ? "alert" : "status"}
        data-kind={resultKind}
      >
        {visible(resultMessage)}
      </p>
    )}
    {!full && (
      <p class="note" id="readonly-note">
        You have read-only access: you can watch, but not change anything.
      </p>
    )}
  </>
);

/** `/running`: the live state, and the forms to change it. */
export function RunningPage(props: RunningPageProps) {
  const { status, user, resultMessage, resultKind = "ok", schedulers, summary } = props;
  const view = props.view ?? {};
  const full = user.access === "full";
  const ctx: PageContext = { full, now: snapshotNow(status), schedulers, view };
  return (
    <Layout title={`Director on ${visible(status.hostname)}`}>
      <RunningHeader status={status} user={user} />
      <Views current="/running" />
      <RunningNotes full={full} resultMessage={resultMessage} resultKind={resultKind} />
      <main data-shape={shapeOf(status)} data-poll={props.poll}>
        {view.service !== undefined && (
          <p class="crumbs">
            <a href={viewHref({ q: view.q })}>All services</a>
          </p>
        )}
        {summary && (summary.serviceCount > 0 || view.q !== undefined) && (
          <>
            <SearchForm view={view} />
            <SummaryTable summary={summary} view={view} />
          </>
        )}
        {view.service === undefined && view.q === undefined && status.serviceCount === 0 && (
          <p class="note">No services are configured.</p>
        )}
        {view.service !== undefined && status.services.length === 0 && (
          <p class="note">No service is named "{visible(view.service)}".</p>
        )}
        {summary && status.services.length < summary.services.length && (
          <p class="note" id="choose-note">
            Choose a service to see its groups and hosts, or search for one.
          </p>
        )}
        {status.services.map((service) => <ServiceSection service={service} ctx={ctx} />)}
        {full && <AdminSection status={status} self={user.name} />}
      </main>
    </Layout>
  );
}

/** `/`: what is running where (in a cluster, the fleet too), and links to the other views. */
export function IndexPage(props: { status: StatusSnapshot; fleet?: ClusterStatus }) {
  const { status } = props;
  const facts: [string, string][] = [
    ["Version", status.version],
    ["Runtime", status.runtime],
    ["Host name", visible(status.hostname)],
    ["Process", String(status.pid)],
    ["Running since", formatTime(status.startedAt)],
    ["Uptime", formatDuration(status.uptimeSeconds)],
    ["Open connections", String(status.openConnections)],
    ["Services", String(status.serviceCount)],
  ];
  return (
    <Layout title={`Director on ${visible(status.hostname)}`}>
      <header class="top">
        <Brand version={status.version} />
      </header>
      <Views current="/" />
      <main class="overview">
        <dl class="card">
          {facts.map(([label, value]) => (
            <>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </>
          ))}
        </dl>
        <ul class="card">
          {VIEWS.slice(1).map(([href, label, what]) => (
            <li>
              <a href={href}>{label}</a>: {what}
            </li>
          ))}
        </ul>
        {props.fleet && <FleetSection status={props.fleet} />}
      </main>
    </Layout>
  );
}
