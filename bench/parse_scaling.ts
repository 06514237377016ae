/**
 * How config parse time grows with the number of services: 250 and 1,000
 * services, best of 3 each; linear growth gives a ratio near 4, quadratic
 * near 16. A speed, so it lives here and not in the test suite (a loaded
 * machine would make a test of it flaky). Exits 1 if the ratio reaches 8.
 *
 * `deno run -A bench/parse_scaling.ts`
 *
 * @module
 */
import process from "node:process";
import { parseConfig } from "../src/config/parse.ts";

function config(services: number): string {
  const blocks = Array.from(
    { length: services },
    (_, i) =>
      `  <service name="s${i}">\n    <listen ip="127.0.0.1:${10000 + i}"/>\n` +
      `    <group name="g" scheduler="random">\n      <host ip="127.0.0.1:1"/>\n` +
      `    </group>\n    <enable group="g"/>\n  </service>`,
  );
  return `<pdconfig>\n${blocks.join("\n")}\n</pdconfig>\n`;
}

function best(services: number): { ms: number; kib: number } {
  const text = config(services);
  let ms = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    parseConfig(text, "scaling.xml");
    ms = Math.min(ms, performance.now() - started);
  }
  return { ms, kib: text.length / 1024 };
}

const small = best(250), large = best(1000);
const ratio = large.ms / small.ms;
console.log(
  `250 services (${small.kib.toFixed(0)} KiB): ${small.ms.toFixed(0)} ms; 1000 services ` +
    `(${large.kib.toFixed(0)} KiB): ${large.ms.toFixed(0)} ms; ratio ${ratio.toFixed(1)} ` +
    `(linear: 4, quadratic: 16)`,
);
process.exit(ratio < 8 ? 0 : 1);
