/**
 * keepalived moving a virtual address between two Directors, each in its
 * own network namespace (see `netns.ts`): keepalived's `vrrp_script` runs
 * `director health` against its node; SIGKILL of the master's Director
 * fails that check, and the address moves to the other node, which serves
 * new connections to it. Skipped without root, `ip` or `keepalived`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import {
  directorCommand,
  runDirector,
  type RunningDirector,
  sleep,
  tempDir,
} from "../integration/harness.ts";
import { eventually } from "./etcd_harness.ts";
import { HUB_IP, Lab, NETNS_SKIP, nodeIp } from "./netns.ts";

const VIP = "198.18.0.100";
const KEEPALIVED_MISSING = spawnSync("keepalived", ["--version"]).status === 0
  ? false
  : "keepalived not installed";
const skip = NETNS_SKIP || KEEPALIVED_MISSING;
const BACKEND = new URL("./netns_backend.ts", import.meta.url).pathname;

function directorXml(i: number): string {
  return `<pdconfig>
  <service name="web"><listen ip="*:8080"/>
    <group name="main" scheduler="roundrobin"><host name="b" ip="${HUB_IP}:${9000 + i}"/></group>
    <enable group="main"/></service>
  <admin listen="${nodeIp(i)}:8081"/>
</pdconfig>`;
}

function keepalivedConf(i: number, peer: number): string {
  const health = [...directorCommand(), "health", "--admin", `http://${nodeIp(i)}:8081`];
  return `global_defs {
  router_id node${i}
  script_user root
}
vrrp_script director {
  script "${health.join(" ")}"
  interval 1
  timeout 5
  fall 1
  rise 1
}
vrrp_instance VI_1 {
  state ${i === 1 ? "MASTER" : "BACKUP"}
  interface eth0
  virtual_router_id 42
  priority ${i === 1 ? 150 : 100}
  advert_int 1
  unicast_src_ip ${nodeIp(i)}
  unicast_peer {
    ${nodeIp(peer)}
  }
  virtual_ipaddress {
    ${VIP}/24 dev eth0
  }
  track_script {
    director
  }
}
`;
}

describe("keepalived moves a virtual address between two Directors", { skip }, () => {
  let lab: Lab;
  const directors: RunningDirector[] = [];
  const dir = tempDir();
  const holds = (i: number) =>
    lab.run(i, ["ip", "-4", "addr", "show", "dev", "eth0"]).stdout.includes(VIP);

  before(async () => {
    lab = Lab.create(2);
    const backends = lab.start("hub", [
      process.execPath,
      "run",
      "-A",
      BACKEND,
      HUB_IP,
      "one:9001",
      "two:9002",
    ]);
    await eventually("backends listening", () => /listening two/.test(backends.output()));
    for (const i of [1, 2]) {
      const config = join(dir, `director${i}.xml`);
      writeFileSync(config, directorXml(i));
      const director = runDirector(["--config", config], {
        command: lab.inside(i, directorCommand()),
      });
      directors.push(director);
      await director.waitFor(/event=started/, 30_000);
    }
    for (const i of [1, 2]) {
      const conf = join(dir, `keepalived${i}.conf`);
      writeFileSync(conf, keepalivedConf(i, 3 - i));
      lab.start(i, [
        "keepalived",
        "-n",
        "-l",
        "-D",
        "--vrrp",
        "-f",
        conf,
        "-p",
        join(dir, `k${i}.pid`),
        "-r",
        join(dir, `k${i}-vrrp.pid`),
      ]);
    }
  });

  after(async () => {
    await Promise.all(directors.map((d) => d.stop()));
    await lab?.close();
  });

  it("the master serves the address; SIGKILL of its Director moves it to the other node", async () => {
    await eventually("node 1 holds the address", () => holds(1), 30_000);
    await eventually("the address is served by node 1", () => {
      return lab.curl(`http://${VIP}:8080/`).body.trim() === "served by one";
    }, 30_000);
    assert.ok(!holds(2), "only one node holds the address");

    const killed = Date.now();
    directors[0].signal("SIGKILL");
    await directors[0].exited;
    let moved = 0;
    await eventually("new connections to the address are served by node 2", () => {
      const served = lab.curl(`http://${VIP}:8080/`).body.trim() === "served by two";
      if (served) moved = Date.now() - killed;
      return served;
    }, 30_000);
    console.log(`the address moved and was served by node 2 ${moved} ms after the SIGKILL`);
    assert.ok(holds(2));
    await sleep(1500);
    assert.ok(!holds(1), "node 1 gave the address up");
  });
});
