// The recorded modal CLI stand-in against the real modal CLI: for the same server data, the
// stand-in's `billing report --json`, `app history --json` and `function autoscaler settings --json`
// print what modal 1.6.4's own click commands print (tests/stand-ins/modal_cli_real_output.py runs
// them with only the server layer replaced).
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { PYTHON } from "../support/python";
import { MODAL_STAND_IN, standInWorld } from "../support/modal-stand-in";
import { writeModalCliStandIn, type ModalCliStandIn } from "./modal-cli";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { shimsDir } from "../../infra/core/paths";

const REAL = join(__dirname, "modal_cli_real_output.py");
const TOKENS = { MODAL_TOKEN_ID: "ak-compare1", MODAL_TOKEN_SECRET: "as-compare1" };

async function realModal(command: string[], data: unknown): Promise<unknown> {
  const r = await execa(PYTHON, [REAL], { input: JSON.stringify({ command, data }), env: { TZ: "UTC", COLUMNS: "1000", MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "" } });
  return JSON.parse(r.stdout);
}

describe("modal CLI stand-in output = the real modal CLI's output for the same data", () => {
  let modal: ModalCliStandIn;
  const standIn = async (...args: string[]) => JSON.parse((await execa(modal.path, args, { env: TOKENS })).stdout);

  beforeAll(async () => {
    modal = await writeModalCliStandIn(await mkdtemp(join(tmpdir(), "qcm-compare-")), []);
  });

  it("billing report --json (with and without a range that cuts rows off)", async () => {
    const rows = [
      { object_id: "ap-c", description: "qcm-coder", environment_name: "main", interval_start: "2026-11-03T00:00:00", cost: "12.50" },
      { object_id: "ap-v", description: "qcm-vlm", environment_name: "dev", interval_start: "2026-11-14T00:00:00", cost: "0.000123" },
      { object_id: "ap-v", description: "qcm-vlm", environment_name: "dev", interval_start: "2026-11-15T00:00:00", cost: "3" },
    ];
    await modal.setBilling({ rows });
    const args = ["billing", "report", "--start", "2026-11-01", "--end", "2026-11-15", "--json"];
    const real = await realModal(args, { billing: rows });
    expect(real).toHaveLength(2);
    expect(await standIn(...args)).toEqual(real);
  });

  it("app history --json after two tagged deploys and a rollback (newest first, tag column)", async () => {
    const world = await standInWorld();
    const env = { ...TOKENS, MODAL_STAND_IN_STATE: world.statePath };
    const run = (...args: string[]) => execa(MODAL_STAND_IN, args, { env });
    await run("deploy", join(shimsDir(), "coder.py"), "--name", "qcm-coder", "--tag", "qcm-aaaa");
    await run("deploy", join(shimsDir(), "vlm.py"), "--name", "qcm-coder");
    await run("app", "rollback", "qcm-coder");
    const versions = (await world.state()).apps[0].versions!;
    expect(versions.map((v) => [v.version, v.tag, v.rollbackOf])).toEqual([[1, "qcm-aaaa", undefined], [2, "", undefined], [3, "qcm-aaaa", 1]]);
    const real = await realModal(["app", "history", "qcm-coder", "--json"], {
      history: versions.map((v) => ({ version: v.version, deployed_at: v.deployedAt.replace(/Z$/, ""), tag: v.tag })),
    });
    expect(JSON.parse((await run("app", "history", "qcm-coder", "--json")).stdout)).toEqual(real);
  });

  it("function autoscaler settings --json after an update (current settings)", async () => {
    await modal.setApps([{ name: "qcm-coder", tasks: 0 }]);
    await execa(modal.path, ["function", "autoscaler", "update", "qcm-coder/serve", "--min-containers", "2"], { env: TOKENS });
    const standInSettings = await standIn("function", "autoscaler", "settings", "qcm-coder/serve", "--json");
    const real = (await realModal(["function", "autoscaler", "settings", "qcm-coder/serve", "--json"], {
      autoscaler: { min_containers: 2, scaledown_window: 300 },
    })) as { current_settings: unknown };
    expect(standInSettings.current_settings).toEqual(real.current_settings);
    expect(Object.keys(standInSettings)).toEqual(Object.keys(real));
  });
});
