// The recorded modal CLI stand-in against the real modal CLI: for the same server data, what the
// stand-in prints is what modal 1.6.4's own code prints (tests/stand-ins/modal_cli_real_output.py
// runs its click commands and output classes with only the server layer replaced). The objects a
// stand-in deploy creates are checked against what the real modal SDK registers for the shim
// (infra/check/modal_check.py), so the stand-in's reading of a shim is not its own guess.
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { PYTHON } from "../support/python";
import { MODAL_STAND_IN, standInWorld } from "../support/modal-stand-in";
import { realDeployOutput, realModalCli, type RealDeployObject } from "../support/modal-real-output";
import { writeModalCliStandIn, type ModalCliStandIn } from "./modal-cli";
import { shimsDir } from "../../infra/core/paths";
import { renderShim } from "../../infra/render/shim";
import { renderImageEditShim } from "../../infra/render/image-edit-shim";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";
import { runModalCheck } from "../../infra/check/modal-check";
import { DEFAULT_IMAGE_EDIT_DEPLOYMENTS } from "../../infra/config/image-edit-schema";

const TOKENS = { MODAL_TOKEN_ID: "ak-compare1", MODAL_TOKEN_SECRET: "as-compare1" };

async function realJson(command: string[], data: unknown): Promise<unknown> {
  const r = await realModalCli(command, data);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** The rows a stand-in's state gives modal's own code, for a state with one app. */
const appRow = (name: string, appId: string, state = "deployed") => ({ name, env: "main", app_id: appId, state });

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
    const real = await realJson(args, { billing: rows });
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
    const app = (await world.state()).apps[0];
    const versions = app.versions!;
    expect(versions.map((v) => [v.version, v.tag, v.rollbackOf])).toEqual([[1, "qcm-aaaa", undefined], [2, "", undefined], [3, "qcm-aaaa", 1]]);
    const real = await realJson(["app", "history", "qcm-coder", "--json"], {
      apps: [appRow("qcm-coder", app.appId)],
      history: versions.map((v) => ({ version: v.version, deployed_at: v.deployedAt, tag: v.tag })),
    });
    expect(JSON.parse((await run("app", "history", "qcm-coder", "--json")).stdout)).toEqual(real);
  });

  it("function autoscaler settings --json after an update (current settings)", async () => {
    await modal.setApps([{ name: "qcm-coder", tasks: 0 }]);
    await execa(modal.path, ["function", "autoscaler", "update", "qcm-coder/serve", "--min-containers", "2"], { env: TOKENS });
    const standInSettings = await standIn("function", "autoscaler", "settings", "qcm-coder/serve", "--json");
    const real = (await realJson(["function", "autoscaler", "settings", "qcm-coder/serve", "--json"], {
      apps: [appRow("qcm-coder", "ap-standin0")],
      functions: [{ app: "qcm-coder", env: "main", tag: "serve", app_id: "ap-standin0", function_id: "fu-1", kind: "function", web_url: "" }],
      autoscaler: { min_containers: 2, scaledown_window: 300 },
    })) as { current_settings: unknown };
    expect(standInSettings.current_settings).toEqual(real.current_settings);
    expect(Object.keys(standInSettings)).toEqual(Object.keys(real));
  });
});

describe("modal CLI stand-in deploy: the objects the real modal SDK registers, rendered by modal's output classes", () => {
  /** Deploys `source` as `app` on a fresh stand-in; returns its stdout and the modal check's view of the shim. */
  async function deployBoth(name: string, source: string, app: string) {
    const world = await standInWorld();
    const file = join(world.dir, `${name}.py`);
    await writeFile(file, source);
    const r = await execa(MODAL_STAND_IN, ["deploy", file, "--name", app], { env: { ...TOKENS, MODAL_STAND_IN_STATE: world.statePath } });
    const check = await runModalCheck([file], PYTHON);
    const report = check.shims[file];
    if (!report || "error" in report) throw new Error(`modal check of ${file}: ${JSON.stringify(report)}`);
    return { world, file, stdout: r.stdout, report };
  }
  /** The stdout without the deploy time (modal prints the seconds it took). */
  const timeless = (s: string) => s.replace(/App deployed in [\d.]+s/, "App deployed in Ns");

  it("a function-mode vLLM shim: one web function `serve` (proxy auth), URL from app and function name", async () => {
    const shim = renderShim("coder", DEFAULT_DEPLOYMENTS.coder);
    const { file, stdout, report } = await deployBoth("coder", shim.source, "qcm-coder");
    expect(Object.entries(report.servers).map(([tag, s]) => [tag, s.kind, "web_servers" in s ? Object.keys(s.web_servers) : []])).toEqual([["serve", "function", ["serve"]]]);
    const objects: RealDeployObject[] = [{ kind: "function", tag: "serve", web_url: "https://stand-in-ws--qcm-coder-serve.modal.run", requires_proxy_auth: true }];
    const real = await realDeployOutput({ file, objects, app_url: "https://modal.com/apps/stand-in-ws/main/deployed/qcm-coder" });
    expect(timeless(stdout)).toBe(timeless(real));
  });

  it("a memory-snapshot shim: the class service function `Server.*` with its web method `serve`", async () => {
    const shim = renderShim("coder", { ...DEFAULT_DEPLOYMENTS.coder, coldStart: "snapshot" });
    const { file, stdout, report } = await deployBoth("coder", shim.source, "qcm-coder");
    expect(Object.entries(report.servers).map(([tag, s]) => [tag, s.kind, "web_servers" in s ? Object.keys(s.web_servers) : []])).toEqual([["Server", "class", ["serve"]]]);
    const objects: RealDeployObject[] = [{ kind: "class", tag: "Server", methods: { serve: "https://stand-in-ws--qcm-coder-server-serve.modal.run" }, requires_proxy_auth: true }];
    const real = await realDeployOutput({ file, objects, app_url: "https://modal.com/apps/stand-in-ws/main/deployed/qcm-coder" });
    expect(timeless(stdout)).toBe(timeless(real));
  });

  it("a Modal Server shim (serving: server): the Server `serve` (its `name=`), proxy auth; `server info --json` = modal's own, with the URL the provider reads", async () => {
    const d = { ...DEFAULT_DEPLOYMENTS.coder, serving: "server" as const, maxContainers: 3, targetConcurrency: 6 };
    const shim = renderShim("coder", d);
    const { world, file, stdout, report } = await deployBoth("coder", shim.source, "qcm-coder");
    expect(Object.entries(report.servers).map(([cls, s]) => [cls, s.kind, "name" in s ? s.name : undefined])).toEqual([["Server", "server", "serve"]]);
    const url = "https://stand-in-ws--qcm-coder-serve.modal.run";
    const objects: RealDeployObject[] = [{ kind: "server", tag: "serve", web_url: url, requires_proxy_auth: true }];
    const real = await realDeployOutput({ file, objects, app_url: "https://modal.com/apps/stand-in-ws/main/deployed/qcm-coder" });
    expect(timeless(stdout)).toBe(timeless(real));
    const info = await execa(MODAL_STAND_IN, ["server", "info", "qcm-coder/serve", "--json"], { env: { ...TOKENS, MODAL_STAND_IN_STATE: world.statePath } });
    expect(info.exitCode, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ name: "serve", server_url: url, unauthenticated: false });
  });

  it("an image-edit shim: the GPU class, the proxy-auth'd `serve`, the unauthenticated `images` and the scheduled `cleanup`, in source order", async () => {
    const deployment = { ...DEFAULT_IMAGE_EDIT_DEPLOYMENTS["image-edit"], imageApiKeySecret: "qcm-image-key" };
    const shim = renderImageEditShim("image-edit", deployment);
    const { file, stdout, report } = await deployBoth("image-edit", shim.source, "qcm-image-edit");
    const webOf = (tag: string) => { const s = report.servers[tag]; return "web_servers" in s ? Object.keys(s.web_servers) : []; };
    expect(Object.keys(report.servers).sort()).toEqual(["Editor", "cleanup", "images", "serve"]);
    expect([webOf("serve"), webOf("images"), webOf("cleanup"), webOf("Editor")]).toEqual([["serve"], ["images"], [], []]);
    const objects: RealDeployObject[] = [
      { kind: "class", tag: "Editor", methods: {} },
      { kind: "function", tag: "serve", web_url: "https://stand-in-ws--qcm-image-edit-serve.modal.run", requires_proxy_auth: true },
      { kind: "function", tag: "images", web_url: "https://stand-in-ws--qcm-image-edit-images.modal.run", requires_proxy_auth: false },
      { kind: "function", tag: "cleanup" },
    ];
    const real = await realDeployOutput({ file, objects, app_url: "https://modal.com/apps/stand-in-ws/main/deployed/qcm-image-edit" });
    expect(timeless(stdout)).toBe(timeless(real));
  });
});
