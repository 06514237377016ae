/** @jsxImportSource hono/jsx */
/**
 * The advanced settings of a group on the `/running` page: backup group,
 * PROXY protocol, queue timeout, per-host maxconn, slow start, SRV and the health check —
 * each a plain POST form of the admin call that changes it.
 *
 * @module
 */
import type { FC } from "hono/jsx";
import { Field, HostSelect, PostForm, Submit } from "./page_forms.tsx";
import { visible } from "./page_format.ts";
import type { GroupStatus } from "../views/status.ts";

export const GroupAdvanced: FC<{ service: string; group: GroupStatus }> = ({ service, group }) => {
  const context = { service, group: group.name };
  const check = group.check;
  return (
    <>
      {!group.enabled && (
        group.backup
          ? (
            <PostForm call="delBackup" context={{ service }}>
              <Submit label="Stop being the backup group" />
            </PostForm>
          )
          : (
            <PostForm call="setBackup" context={context}>
              <Submit label="Make this the backup group" />
            </PostForm>
          )
      )}
      <PostForm call="changeSendProxy" context={context}>
        <label class="field">
          <span>PROXY header to hosts</span>
          <select name="sendProxy">
            {["off", "v1", "v2"].map((v) => (
              <option value={v} selected={(group.sendProxy ?? "off") === v}>{v}</option>
            ))}
          </select>
        </label>
        <Submit label="Set" />
      </PostForm>
      <PostForm call="changeQueueTimeout" context={context}>
        <Field
          label="Queue timeout (s)"
          name="timeout"
          placeholder={String(group.queueTimeoutMs / 1000)}
          size={5}
        />
        <Submit label="Set" />
      </PostForm>
      {group.hosts.length > 0 && (
        <PostForm call="changeMaxconn" context={context}>
          <HostSelect names={group.hosts.map((h) => h.name)} />
          <Field label="maxconn (none = no limit)" name="maxconn" placeholder="none" size={6} />
          <Submit label="Set maxconn" />
        </PostForm>
      )}
      <PostForm call="changeSlowStart" context={context}>
        <Field
          label="Slow start (s, 0 = none)"
          name="time"
          placeholder={String((group.slowStartMs ?? 0) / 1000)}
          size={5}
        />
        <Submit label="Set" />
      </PostForm>
      <PostForm call="changeSrv" context={context}>
        <Field
          label="Hosts from SRV (off = keep them)"
          name="srv"
          placeholder={group.srv ?? "_http._tcp.example.com"}
          size={24}
        />
        <Submit label="Set" />
      </PostForm>
      <PostForm call="setCheck" context={context}>
        <Field
          label="Check every (s)"
          name="interval"
          placeholder={check ? String(check.intervalMs / 1000) : "2"}
          size={4}
        />
        <Field
          label="Timeout (s)"
          name="timeout"
          placeholder={check ? String(check.timeoutMs / 1000) : "1"}
          size={4}
        />
        <Field label="Rise" name="rise" placeholder={check ? String(check.rise) : "2"} size={3} />
        <Field label="Fall" name="fall" placeholder={check ? String(check.fall) : "3"} size={3} />
        <Field label="Send" name="send" placeholder="PING\r\n" size={10} />
        <Field label="Expect" name="expect" placeholder="+PONG" size={10} />
        <Submit label={check ? "Change check" : "Add health check"} />
      </PostForm>
      {check && (
        <PostForm call="delCheck" context={context}>
          <Submit
            label="Remove health check"
            confirm={`Stop checking the hosts of ${visible(group.name)}?`}
          />
        </PostForm>
      )}
    </>
  );
};
