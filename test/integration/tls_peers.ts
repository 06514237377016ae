/**
 * TLS peers for the SNI-routing tests: certificates made by `openssl` for
 * the test (none if it is missing: the caller skips), TLS backends that
 * answer with their name, TLS clients that verify the backend's
 * certificate, and a captured ClientHello to replay byte by byte.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import { tempDir, within } from "./harness.ts";

export interface Cert {
  key: string;
  cert: string;
}

/** Is `openssl` there to make certificates? */
export function haveOpenssl(): boolean {
  try {
    return spawnSync("openssl", ["version"]).status === 0;
  } catch {
    return false;
  }
}

/** A self-signed certificate for `name` (and `*.name`'s subtree is not needed: exact names). */
export function makeCert(name: string): Cert {
  const dir = tempDir();
  const key = join(dir, "key.pem"), cert = join(dir, "cert.pem");
  const made = spawnSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-addext",
    `subjectAltName=DNS:${name}`,
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  if (made.status !== 0) throw new Error(`openssl req failed: ${made.stderr}`);
  return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
}

/** A TLS backend on 127.0.0.1 with `cert`; answers each client `LABEL sni=NAME` and closes. */
export function tlsBackend(label: string, cert: Cert): Promise<{ port: number; close(): void }> {
  const server = tls.createServer({ key: cert.key, cert: cert.cert }, (socket) => {
    const sni = (socket as unknown as { servername?: string }).servername ?? "-";
    socket.end(`${label} sni=${sni}\n`);
    socket.on("error", () => {});
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, close: () => server.close() });
    });
  });
}

/** A TLS client to Director for `servername`, trusting only `ca`; resolves what it read. */
export function tlsAsk(port: number, servername: string, ca: string): Promise<string> {
  const socket = tls.connect({ port, host: "127.0.0.1", servername, ca });
  const chunks: Buffer[] = [];
  const done = new Promise<string>((resolve, reject) => {
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.once("end", () => resolve(Buffer.concat(chunks).toString()));
    socket.once("error", reject);
  });
  return within(10_000, done, `TLS client for ${servername}`).finally(() => socket.destroy());
}

/**
 * The bytes a real TLS client sends first for `servername`: its
 * ClientHello, captured by a listener that never answers.
 */
export async function captureClientHello(servername: string): Promise<Uint8Array> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const captured = new Promise<Uint8Array>((resolve) => {
    server.once("connection", (socket) => {
      const chunks: Buffer[] = [];
      socket.on("data", (d: Buffer) => {
        chunks.push(d);
        const all = Buffer.concat(chunks);
        // One handshake record: 5-byte header + its length.
        if (all.length >= 5 && all.length >= 5 + all.readUInt16BE(3)) {
          resolve(new Uint8Array(all));
          socket.destroy();
        }
      });
    });
  });
  const client = tls.connect({ port, host: "127.0.0.1", servername, rejectUnauthorized: false });
  client.on("error", () => {});
  try {
    return await within(10_000, captured, "capturing a ClientHello");
  } finally {
    client.destroy();
    server.close();
  }
}
