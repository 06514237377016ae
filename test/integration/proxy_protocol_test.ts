/**
 * The PROXY protocol over real sockets: headers sent to backends byte-exact
 * (v1 and v2), headers accepted from a front load balancer, and both
 * against a real nginx with `proxy_protocol` (skipped when nginx is not
 * installed; CI installs it).
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, startDirector, tempDir, within } from "./harness.ts";
import { connect, exchange, readAll, recordingBackend } from "./peers.ts";
import { requireTool } from "../support/skip.ts";

function config(
  o: { port: number; host: number; send?: string; accept?: boolean; extra?: string },
) {
  return `<pdconfig>
  <service name="svc">
    <listen ip="127.0.0.1:${o.port}"${o.accept ? ` accept-proxy="yes"` : ""}/>
    <group name="main" scheduler="roundrobin"${o.send ? ` send-proxy="${o.send}"` : ""}>
      <host name="h" ip="127.0.0.1:${o.host}"/>
    </group>
    <enable group="main"/>
  </service>${o.extra ?? ""}
</pdconfig>`;
}

test("send-proxy v1 and v2 put the client's address before its data, byte-exact", async () => {
  for (const version of ["v1", "v2"]) {
    const rec = await recordingBackend();
    const port = await freePort();
    const director = await startDirector(config({ port, host: rec.port, send: version }));
    try {
      const socket = await connect(port);
      const clientPort = socket.localPort!;
      const reply = readAll(socket);
      socket.end("hello");
      await within(5000, reply, "reply");
      const got = await rec.received[0];
      const expected = version === "v1"
        ? new TextEncoder().encode(`PROXY TCP4 127.0.0.1 127.0.0.1 ${clientPort} ${port}\r\n`)
        : new Uint8Array([
          0x0d,
          0x0a,
          0x0d,
          0x0a,
          0x00,
          0x0d,
          0x0a,
          0x51,
          0x55,
          0x49,
          0x54,
          0x0a,
          0x21,
          0x11,
          0x00,
          0x0c,
          127,
          0,
          0,
          1,
          127,
          0,
          0,
          1,
          clientPort >> 8,
          clientPort & 0xff,
          port >> 8,
          port & 0xff,
        ]);
      assert.deepEqual([...got.subarray(0, expected.length)], [...expected], version);
      assert.equal(new TextDecoder().decode(got.subarray(expected.length)), "hello");
    } finally {
      await director.stop();
      await rec.close();
    }
  }
});

test("accept-proxy takes the client's address from the header; no header, no service", async () => {
  const rec = await recordingBackend();
  const port = await freePort();
  const director = await startDirector(config({ port, host: rec.port, send: "v1", accept: true }));
  try {
    const reply = await exchange(port, "PROXY TCP4 192.0.2.10 127.0.0.1 40000 80\r\nGET /");
    assert.equal(reply.toString(), "got it\n");
    const got = new TextDecoder().decode(await rec.received[0]);
    assert.equal(got, `PROXY TCP4 192.0.2.10 127.0.0.1 40000 ${port}\r\nGET /`);
    // A client that does not speak the protocol is refused, not relayed.
    assert.equal((await exchange(port, "GET / HTTP/1.1\r\n\r\n")).length, 0);
    await director.waitFor(
      /event=proxy_header_refused service=svc .*reason="no PROXY protocol header"/,
    );
    assert.equal(rec.received.length, 1);
  } finally {
    await director.stop();
    await rec.close();
  }
});

const NGINX = "/usr/sbin/nginx";
const STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";

test(
  "real nginx: reads Director's PROXY v2 header, and sends one Director accepts",
  requireTool("nginx"),
  async () => {
    const [httpPort, streamPort, dPort, dAccept] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const dir = tempDir();
    // nginx: an HTTP server that answers with the address from the PROXY header,
    // and a stream proxy that sends a PROXY header to Director.
    writeFileSync(
      join(dir, "nginx.conf"),
      `
load_module ${STREAM_MODULE};
daemon off; master_process off; worker_processes 1; pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${httpPort} proxy_protocol; return 200 "client=$proxy_protocol_addr:$proxy_protocol_port\\n"; }
}
stream { server { listen 127.0.0.1:${streamPort}; proxy_pass 127.0.0.1:${dAccept}; proxy_protocol on; proxy_half_close on; } }
`,
    );
    const nginx = spawn(NGINX, ["-c", join(dir, "nginx.conf"), "-p", dir], { stdio: "ignore" });
    const director = await startDirector(`<pdconfig>
  <service name="direct">
    <listen ip="127.0.0.1:${dPort}"/>
    <group name="main" scheduler="roundrobin" send-proxy="v2"><host name="nginx" ip="127.0.0.1:${httpPort}"/></group>
    <enable group="main"/>
  </service>
  <service name="behind">
    <listen ip="127.0.0.1:${dAccept}" accept-proxy="yes"/>
    <group name="main" scheduler="roundrobin" send-proxy="v1"><host name="nginx" ip="127.0.0.1:${httpPort}"/></group>
    <enable group="main"/>
  </service>
</pdconfig>`);
    const get = async (port: number) => {
      for (let i = 0; i < 50; i++) { // nginx may still be starting
        const socket = await connect(port).catch(() => undefined);
        if (socket) {
          const clientPort = socket.localPort!;
          const reply = readAll(socket);
          socket.end("GET / HTTP/1.0\r\n\r\n");
          const text = (await within(5000, reply, "nginx reply")).toString();
          if (text.includes("200")) return { text, clientPort };
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const log = existsSync(join(dir, "error.log"))
        ? readFileSync(join(dir, "error.log"), "utf8")
        : "";
      throw new Error(
        `no answer through port ${port}; nginx error log:\n${log}\n${director.output()}`,
      );
    };
    try {
      // Director → nginx: nginx sees the real client of Director.
      const direct = await get(dPort);
      assert.match(direct.text, new RegExp(`client=127\\.0\\.0\\.1:${direct.clientPort}\\n`));
      // nginx (stream) → Director (accept-proxy) → nginx (http): the first client survives two hops.
      const behind = await get(streamPort);
      assert.match(behind.text, new RegExp(`client=127\\.0\\.0\\.1:${behind.clientPort}\\n`));
    } finally {
      await director.stop();
      nginx.kill("SIGTERM");
    }
  },
);
