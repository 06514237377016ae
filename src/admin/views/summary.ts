/**
 * One line per service — hosts up, bad and admin-down, open connections,
 * new connections per second — for the overview of the `/running` page
 * and `/api/v1/services`. Read straight from the model, a page of
 * services at a time: a config of 1,000 services and 20,000 hosts gives
 * a few kilobytes, not a snapshot of every host.
 *
 * @module
 */
import type { Service } from "../../balancer/service.ts";
import type { AdminState } from "../state.ts";
import { pageOf, selectedServices, type ViewQuery } from "./view_query.ts";

export interface ServiceSummary {
  name: string;
  listen: string[];
  enabledGroup: string;
  groups: number;
  hosts: number;
  up: number;
  bad: number;
  adminDown: number;
  open: number;
  /** New connections per second, over the last minute, all hosts together. */
  rate: number;
}

export interface SummaryPage {
  /** Connections in progress across all services. */
  openConnections: number;
  /** Services the query selects; `services` is one page of them. */
  serviceCount: number;
  /** Cursor of the next page (`after=`), or null. */
  next: string | null;
  services: ServiceSummary[];
}

/** Services shown per page of the overview when the request sets no limit. */
export const SUMMARY_PAGE = 100;

export function serviceSummary(service: Service): ServiceSummary {
  const summary: ServiceSummary = {
    name: service.name,
    listen: service.listen.map((l) => l.spec),
    enabledGroup: service.enabledGroup.name,
    groups: 0,
    hosts: 0,
    up: 0,
    bad: 0,
    adminDown: 0,
    open: 0,
    rate: 0,
  };
  let rate = 0;
  for (const group of service.groups) {
    summary.groups++;
    for (const host of group.hosts) {
      summary.hosts++;
      if (host.adminDown) summary.adminDown++;
      else if (host.bad) summary.bad++;
      else summary.up++;
      summary.open += host.open;
      // Each host's series is one sample per second (fewer while it is new).
      if (host.rate.length > 0) {
        let sum = 0;
        for (const n of host.rate) sum += n;
        rate += sum / host.rate.length;
      }
    }
  }
  summary.rate = Math.round(rate * 10) / 10;
  return summary;
}

/** A page of service summaries (services only: `service=` selects one). */
export function summaries(state: AdminState, view: ViewQuery): SummaryPage {
  const selected = selectedServices(state.model.services, view);
  const page = pageOf(selected, view.limit ?? SUMMARY_PAGE, view.after);
  return {
    openConnections: state.openConnections,
    serviceCount: selected.length,
    next: page.next,
    services: page.items.map(serviceSummary),
  };
}
