import { parseConfig } from "../../src/config/parse.ts";
function t(name: string, text: string) {
  const s = performance.now();
  let out = "";
  try {
    const r = parseConfig(text, "F.xml");
    out = "LOADED services=" + r.config.services.length + " warnings=" + r.warnings.length;
  } catch (e) {
    out = `${(e as Error).name}: ${String((e as Error).message).slice(0, 200)}\n${
      (e as Error).stack?.split("\n").slice(1, 6).join("\n")
    }`;
  }
  console.log(name, (performance.now() - s).toFixed(1), "ms", out);
}
const n = Number(Deno.args[0]);
t("nest" + n, `<pdconfig>${"<a>".repeat(n)}${"</a>".repeat(n)}</pdconfig>`);
for (const k of [500, 1000, 2000]) {
  t(
    "many services " + k,
    `<pdconfig>${
      Array.from({ length: k }, (_, i) =>
        `<service name="s${i}"><listen ip="127.0.0.1:${
          1000 + i
        }"/><group name="g" scheduler="random"><host ip="127.0.0.1:1"/></group><enable group="g"/></service>`)
        .join("")
    }</pdconfig>`,
  );
  t(
    "many hosts " + k,
    `<pdconfig><service name="s"><listen ip="127.0.0.1:1000"/><group name="g" scheduler="random">${
      Array.from({ length: k }, (_, i) => `<host ip="127.0.0.1:${1 + i}"/>`).join("")
    }</group><enable group="g"/></service></pdconfig>`,
  );
  t("many lines " + k, `<pdconfig>\n${"<!-- x -->\n".repeat(k * 10)}</pdconfig>`);
}
