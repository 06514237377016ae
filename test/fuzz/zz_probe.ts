import { parseConfig } from "../../src/config/parse.ts";
import { serializeConfig } from "../../src/config/serialize.ts";
const base = Deno.readTextFileSync("config.example.xml");
function t(name: string, text: string) {
  const s = performance.now();
  let out = "";
  try {
    const r = parseConfig(text, "F.xml");
    out = "LOADED services=" + r.config.services.length + " warnings=" + r.warnings.length;
  } catch (e) {
    out = `${(e as Error).name}: ${String((e as Error).message).slice(0, 200)}`;
  }
  console.log(name, (performance.now() - s).toFixed(1), "ms", out);
}
const mk = (n: number) => `<pdconfig>${"<a>".repeat(n)}${"</a>".repeat(n)}</pdconfig>`;
t("nest10k", mk(10000));
t("nest100k", mk(100000));
t("nest1M", mk(1000000));
const big = "x".repeat(5 * 1024 * 1024);
t("5MB service name", base.replace(/<service name="[^"]*"/, `<service name="${big}"`));
t("5MB host name", base.replace(/<host name="[^"]*"/, `<host name="${big}"`));
t("5MB ip", base.replace(/<host name="([^"]*)" ip="[^"]*"/, `<host name="$1" ip="${big}"`));
t("5MB unknown attr", base.replace(/<service /, `<service foo="${big}" `));
t("5MB attr name", base.replace(/<service /, `<service ${big}="1" `));
t("5MB comment", base.replace(/<pdconfig>/, `<pdconfig><!--${big}-->`));
t("5MB text", base.replace(/<pdconfig>/, `<pdconfig>${big}`));
t(
  "lol",
  `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><pdconfig>&lol2;</pdconfig>`,
);
t("lol-nodtd", `<pdconfig a="&lol9;"></pdconfig>`);
t("xxe", `<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><pdconfig>&xxe;</pdconfig>`);
t("ext dtd", `<!DOCTYPE pdconfig SYSTEM "http://127.0.0.1:1/x.dtd"><pdconfig/>`);
t("charref", base.replace(/<service name="[^"]*"/, `<service name="&#0;"`));
t("proto", base.replace(/<service name="[^"]*"/, `<service name="__proto__"`));
t("ctor group", base.replace(/<group name="[^"]*"/, `<group name="constructor"`));
t("toString attr", base.replace(/<service /, `<service toString="1" __proto__="x" `));
t(
  "huge timeout",
  base.replace(/connect-timeout="[^"]*"/, `connect-timeout="99999999999999999999999"`),
);
t("1e3 timeout", base.replace(/connect-timeout="[^"]*"/, `connect-timeout="1e3"`));
t(
  "many attrs",
  base.replace(
    /<service /,
    `<service ${Array.from({ length: 100000 }, (_, i) => `a${i}="1"`).join(" ")} `,
  ),
);
t(
  "many elems",
  `<pdconfig>${'<checktime time="1"/>'.repeat(1)}${"<!---->".repeat(100000)}</pdconfig>`,
);
t(
  "many services",
  `<pdconfig>${
    Array.from({ length: 5000 }, (_, i) =>
      `<service name="s${i}"><listen ip="127.0.0.1:${
        1000 + i
      }"/><group name="g" scheduler="random"><host ip="127.0.0.1:1"/></group><enable group="g"/></service>`)
      .join("")
  }</pdconfig>`,
);
t(
  "many hosts",
  `<pdconfig><service name="s"><listen ip="127.0.0.1:1000"/><group name="g" scheduler="random">${
    Array.from({ length: 20000 }, (_, i) => `<host ip="127.0.0.1:${1 + i}"/>`).join("")
  }</group><enable group="g"/></service></pdconfig>`,
);
t(
  "many dup hosts",
  `<pdconfig><service name="s"><listen ip="127.0.0.1:1000"/><group name="g" scheduler="random">${
    Array.from({ length: 20000 }, (_, i) => `<host name="h${i}" ip="127.0.0.1:1"/>`).join("")
  }</group><enable group="g"/></service></pdconfig>`,
);
const r = parseConfig(base, "F.xml");
const ser = serializeConfig(r.config);
t("roundtrip", ser);
