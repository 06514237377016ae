/**
 * Config files for the backends and the proxies under test, all on
 * 127.0.0.1, all single-threaded (one worker, one thread), each proxy with
 * two listen ports: one to the HTTP backend, one to the iperf3 server.
 *
 * Buffer sizes are left at each program's default, which happens to be
 * 16 KiB everywhere (HAProxy `tune.bufsize`, nginx `proxy_buffer_size`,
 * Director `RELAY_BUFFER_SIZE`).
 *
 * @module
 */

/** A pair of ports: HTTP and iperf3. */
export interface Ports {
  http: number;
  iperf: number;
}

/** The fixed body the HTTP backend returns. */
export const BODY = "hello from the director bench backend\n";

/** Room for 2,000+ idle connections (two descriptors each through a proxy). */
const WORKER_CONNECTIONS = 8192;

/** nginx as the HTTP backend: one worker, `return 200`, no logs, long idle timeouts. */
export function backendNginx(dir: string, port: number): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/backend-nginx.pid;
error_log ${dir}/backend-nginx.err warn;
worker_rlimit_nofile ${WORKER_CONNECTIONS * 2};
events { worker_connections ${WORKER_CONNECTIONS}; }
http {
  access_log off;
  default_type text/plain;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_header_timeout 300s;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / { return 200 ${JSON.stringify(BODY)}; }
  }
}
`;
}

/** HAProxy in `mode tcp`, two frontends; one thread unless told otherwise. */
export function haproxyConfig(listen: Ports, backend: Ports, threads = 1): string {
  const pair = (name: string, from: number, to: number) => `
frontend ${name}_in
  bind 127.0.0.1:${from}
  default_backend ${name}_be
backend ${name}_be
  server s1 127.0.0.1:${to}
`;
  return `global
  nbthread ${threads}
  maxconn 6000
defaults
  mode tcp
  timeout connect 5s
  timeout client 300s
  timeout server 300s
${pair("http", listen.http, backend.http)}${pair("iperf", listen.iperf, backend.iperf)}`;
}

/** nginx `stream {}` with one worker, two servers. */
export function nginxStreamConfig(
  dir: string,
  loadModule: string,
  listen: Ports,
  backend: Ports,
): string {
  return `${loadModule}
worker_processes 1;
daemon off;
pid ${dir}/stream-nginx.pid;
error_log ${dir}/stream-nginx.err warn;
worker_rlimit_nofile ${WORKER_CONNECTIONS * 2};
events { worker_connections ${WORKER_CONNECTIONS}; }
stream {
  server { listen 127.0.0.1:${listen.http} backlog=4096; proxy_pass 127.0.0.1:${backend.http}; }
  server { listen 127.0.0.1:${listen.iperf}; proxy_pass 127.0.0.1:${backend.iperf}; }
}
`;
}

/** A Director service of one host: 127.0.0.1:`listen` → 127.0.0.1:`backend`, group "main". */
export function oneHostServiceXml(
  service: { name: string; scheduler: string; host: string },
  listen: number,
  backend: number,
): string {
  return `  <service name="${service.name}">
    <listen ip="127.0.0.1:${listen}"/>
    <group name="main" scheduler="${service.scheduler}">
      <host name="${service.host}" ip="127.0.0.1:${backend}"/>
    </group>
    <enable group="main"/>
  </service>`;
}

/** Director: two services, one host each. */
export function directorConfig(listen: Ports, backend: Ports): string {
  const service = (name: string, from: number, to: number) =>
    oneHostServiceXml({ name, scheduler: "roundrobin", host: `${name}-backend` }, from, to);
  return `<pdconfig>
${service("http", listen.http, backend.http)}
${service("iperf", listen.iperf, backend.iperf)}
</pdconfig>
`;
}
