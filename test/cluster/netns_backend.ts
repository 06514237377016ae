/**
 * HTTP backends for the namespace tests, run inside the lab's hub:
 * `deno run -A netns_backend.ts HOST NAME:PORT…` answers every request on
 * each port with `served by NAME`.
 *
 * @module
 */
const [host, ...specs] = Deno.args;
for (const spec of specs) {
  const [name, port] = spec.split(":");
  Deno.serve(
    { hostname: host, port: Number(port), onListen: () => console.log(`listening ${spec}`) },
    () => new Response(`served by ${name}\n`),
  );
}
