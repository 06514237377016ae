/** @jsxImportSource hono/jsx */
/**
 * The advanced settings of a group on the `/running` page: backup group,
 * PROXY protocol, queue timeout, per-host maxconn, slow start, SRV and the health check —
 * each a plain POST form of the admin call that changes it.
 *
 * @module
 */
import type { FC } from "hono/jsx";
import { Field, FieldForm, PostForm, Submit } from "./page_forms.tsx";
import { visible } from "./page_format.ts";
import type { GroupStatus } from "../views/status.ts";

/** Everything of a group but its scheduler, weights and sticky time (`GroupSettings`). */
export const GroupAdvanced: FC<{ service: string; group: GroupStatus }> = ({ service, group }) => {
  const context = { service, group: group.name };
  return (
    <>
      <BackupAndProxyForms service={service} group={group} />
      <FieldForm
        call="changeQueueTimeout"
        context={context}
        label="Queue timeout (s)"
        name="timeout"
        placeholder={String(group.queueTimeoutMs / 1000)}
        size={5}
      />
      {group.hosts.length > 0 && (
        <FieldForm
          call="changeMaxconn"
          context={context}
          hosts={group.hosts.map((h) => h.name)}
          label="maxconn (none = no limit)"
          name="maxconn"
          placeholder="none"
          size={6}
          submit="Set maxconn"
        />
      )}
      <FieldForm
        call="changeSlowStart"
        context={context}
        label="Slow start (s, 0 = none)"
        name="time"
        placeholder={String((group.slowStartMs ?? 0) / 1000)}
        size={5}
      />
      <FieldForm
        call="changeSrv"
        context={context}
        label="Hosts from SRV (off = keep them)"
        name="srv"
        placeholder={group.srv ?? "_http._tcp.example.com"}
        size={24}
      />
      <CheckForms context={context} group={group} />
    </>
  );
};

/** Being the backup group (an inactive one only), and the PROXY header sent to hosts. */
const BackupAndProxyForms: FC<{ service: string; group: GroupStatus }> = ({ service, group }) => {
  const context = { service, group: group.name };
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
    </>
  );
};

/** Add or change the health check, or remove it. */
const CheckForms: FC<{ context: Record<string, string>; group: GroupStatus }> = (
  { context, group },
) => {
  const check = group.check;
  return (
    <>
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
