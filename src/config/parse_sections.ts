/**
 * The config's process-wide sections: `<admin>` with its users,
 * `<logging>`, `<timeouts>`, `<checktime>`, and a group's `<check>`.
 * `parse.ts` builds the whole config on top of this.
 *
 * @module
 */
import type {
  Access,
  AdminConfig,
  AdminUser,
  CheckConfig,
  LoggingConfig,
  TimeoutsConfig,
} from "./model.ts";
import { DEFAULTS, LIMITS } from "./defaults.ts";
import { ElementReader, type Seen } from "./element_reader.ts";
import type { XmlElement } from "./xml.ts";

export class SectionReader extends ElementReader {
  admin(el: XmlElement): AdminConfig {
    this.shape(el, ["listen", "secure", "cert", "key"], ["user"]);
    const listen = this.listen(el, "listen", "<admin>");
    const secure = this.choice(el, "secure", ["no", "yes"]) === "yes";
    const admin: AdminConfig = { listen, secure, users: [] };
    for (const attr of ["cert", "key"] as const) {
      const path = el.attributes[attr];
      if (path === "") this.fail(el, `empty ${attr}=""; expected a PEM file path`);
      if (path !== undefined) admin[attr] = path;
      else if (secure) this.fail(el, `secure="yes" needs both cert="…" and key="…" (PEM files)`);
    }
    if (!secure && (admin.cert || admin.key)) {
      this.warn(el, 'cert and key are ignored unless secure="yes"');
    }
    const names: Seen = new Map();
    for (const child of el.children) {
      this.shape(child, ["name", "password", "access"], []);
      const user: AdminUser = {
        name: this.required(child, "name", "every user needs a unique name"),
        password: this.required(child, "password", "expected a password hash"),
        access: this.choice(child, "access", ["full", "readonly"]) as Access,
      };
      this.unique(child, names, user.name, "user name", "in <admin>");
      admin.users.push(user);
    }
    return admin;
  }

  logging(el: XmlElement): LoggingConfig {
    this.shape(el, ["file", "access", "access-file"], []);
    const file = el.attributes.file;
    if (file === "") this.fail(el, 'empty file=""; omit it to log to standard error');
    const accessFile = el.attributes["access-file"];
    if (accessFile === "") this.fail(el, 'empty access-file=""; omit it, or use access="yes"');
    const access = this.choice(el, "access", ["no", "yes"]) === "yes";
    return {
      ...(file === undefined ? {} : { file }),
      ...(access ? { access } : {}),
      ...(accessFile === undefined ? {} : { accessFile }),
    };
  }

  /** `<check interval timeout rise fall send expect/>`: every attribute optional. */
  check(el: XmlElement): CheckConfig {
    this.shape(el, ["interval", "timeout", "rise", "fall", "send", "expect"], []);
    const seconds = (attr: string, fallback: number) =>
      el.attributes[attr] === undefined
        ? fallback
        : this.milliseconds(el, attr, LIMITS.connectTimeoutS);
    const count = (attr: string, fallback: number) =>
      el.attributes[attr] === undefined
        ? fallback
        : this.positiveInteger(el, attr, LIMITS.checkCount);
    const check: CheckConfig = {
      intervalMs: seconds("interval", DEFAULTS.check.intervalMs),
      timeoutMs: seconds("timeout", DEFAULTS.check.timeoutMs),
      rise: count("rise", DEFAULTS.check.rise),
      fall: count("fall", DEFAULTS.check.fall),
    };
    for (const attr of ["send", "expect"] as const) {
      const value = el.attributes[attr];
      if (value === "") this.fail(el, `empty ${attr}=""; omit it`);
      if (value !== undefined) check[attr] = value;
    }
    if (check.timeoutMs > check.intervalMs) {
      this.fail(
        el,
        `timeout (${check.timeoutMs / 1000} s) is longer than interval (${
          check.intervalMs / 1000
        } s)`,
      );
    }
    return check;
  }

  timeouts(el: XmlElement): TimeoutsConfig {
    this.shape(el, ["drain", "admin-request"], []);
    const timeouts: TimeoutsConfig = {};
    if (el.attributes.drain !== undefined) {
      timeouts.drainMs = this.milliseconds(el, "drain", LIMITS.idleTimeoutS);
    }
    if (el.attributes["admin-request"] !== undefined) {
      timeouts.adminRequestMs = this.milliseconds(el, "admin-request", LIMITS.connectTimeoutS);
    }
    return timeouts;
  }

  checktime(el: XmlElement): number {
    this.shape(el, ["time"], []);
    this.required(el, "time", "expected the seconds before a bad host is retried");
    return this.milliseconds(el, "time", LIMITS.checktimeS) / 1000;
  }
}
