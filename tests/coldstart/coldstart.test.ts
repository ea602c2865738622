/**
 * Cold-start modes: each mode rendered by infra/render for both default deployments and imported
 * by the real modal SDK (offline, no credentials) through infra/check; what Modal registered must
 * match the mode's data in infra/coldstart. Then the selection logic and its estimates.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  COLD_START_MODE_FACTS,
  COLD_START_MODES,
  COMPILE_CACHE_VOLUME,
  coldStartShimPlan,
  DEFAULT_COLD_START_MODE,
  estimateStartupSeconds,
  type ColdStartMode,
} from "../../infra/coldstart";
import { resolveConfig } from "../../infra/config/resolve";
import { prepareDeployments } from "../../infra/prepare";
import { runModalCheck } from "../../infra/check/modal-check";
import { renderShim } from "../../infra/render/shim";
import { writeShims } from "../../infra/render/write";
import { pyLiteral, PYTHON } from "../support/python";

async function prepared(mode: ColdStartMode, compileCache = true) {
  const config = resolveConfig({ deployments: { coder: { coldStart: mode, compileCache }, vlm: { coldStart: mode, compileCache } } });
  const dir = await mkdtemp(join(tmpdir(), `qcm-coldstart-${mode}-`));
  return { ...(await prepareDeployments(config, { python: PYTHON, write: true, dir })), dir };
}

describe.each(COLD_START_MODES)("cold-start mode %s: rendered shims checked by the real modal SDK", (mode) => {
  const facts = COLD_START_MODE_FACTS[mode];
  const plan = coldStartShimPlan({ mode });

  it("both deployments render, import without credentials, and Modal sees the mode's server, Volumes and options", async () => {
    const { deployments, dir } = await prepared(mode);
    for (const p of deployments) {
      if ("error" in p.report) throw new Error(p.report.error);
      const [name, server] = Object.entries(p.report.servers)[0];
      expect(name).toBe(facts.decorator === "app.cls" ? "Server" : "serve");
      expect(server.volumes).toEqual(plan.volumes.map((v) => v.mountPath).sort());
      expect(server.volumes).toContain(COMPILE_CACHE_VOLUME.mountPath);
      expect(server.web_servers.serve).toMatchObject({ port: 8000, requires_proxy_auth: true });
      for (const [k, v] of Object.entries(facts.decoratorOptions)) expect(p.report.deploy_time[name][k]).toEqual(v);
      const args = (await pyLiteral(join(dir, `${p.name}.py`), "VLLM_ARGS")).value as string[];
      for (const flag of plan.vllmFlags) expect(args).toContain(flag);
      expect(args).not.toContain("--enforce-eager");
      expect(args.includes("--revision")).toBe(!plan.bakeWeights);
      const source = await readFile(join(dir, `${p.name}.py`), "utf8");
      expect(source).toContain(`.env(${JSON.stringify(facts.env).replace(/,/g, ", ").replace(/:/g, ": ")})`);
      expect(source.includes("run_function(download_weights")).toBe(plan.bakeWeights);
    }
  });

  it("compile cache off: --enforce-eager (outside snapshot mode) and no compile-cache Volume", async () => {
    const { deployments, dir } = await prepared(mode, false);
    for (const p of deployments) {
      if ("error" in p.report) throw new Error(p.report.error);
      expect(Object.values(p.report.servers)[0].volumes).not.toContain(COMPILE_CACHE_VOLUME.mountPath);
      const args = (await pyLiteral(join(dir, `${p.name}.py`), "VLLM_ARGS")).value as string[];
      expect(args.includes("--enforce-eager")).toBe(mode !== "snapshot");
    }
  });
});

describe("snapshot lifecycle", () => {
  it("Modal sees one snap=True enter, one snap=False enter and an exit; vLLM is put to sleep and woken", async () => {
    const { deployments } = await prepared("snapshot");
    const report = deployments[0].report;
    if ("error" in report) throw new Error(report.error);
    expect(report.servers.Server).toMatchObject({ kind: "class", lifecycle: { enter_snap: ["start_and_sleep"], enter_restore: ["wake"], exit: ["stop"] } });
    expect(deployments[0].shim.source).toContain('_post("/sleep?level=1")');
    expect(deployments[0].shim.source).toContain('_post("/wake_up")');
    const lifecycle = COLD_START_MODE_FACTS.snapshot.lifecycle!;
    expect(lifecycle.enterSnap.join(" ")).toContain("/sleep?level=1");
    expect(lifecycle.enterRestore).toEqual(["POST /wake_up"]);
  });

  it("the SDK refuses snap=True without enable_memory_snapshot (the check can fail)", async () => {
    const config = resolveConfig({ deployments: { coder: { coldStart: "snapshot" } } });
    const shim = renderShim("coder", config.deployments.coder);
    const dir = await mkdtemp(join(tmpdir(), "qcm-coldstart-broken-"));
    const [path] = await writeShims(dir, [{ ...shim, source: shim.source.replace("enable_memory_snapshot=True, ", "") }]);
    await writeFile(join(dir, "unused"), "");
    const report = (await runModalCheck([path], PYTHON)).shims[path];
    expect("error" in report && report.error).toMatch(/InvalidError: .*enable_memory_snapshot=True/);
  });
});

describe("selection logic", () => {
  it("defaults to weights in the image with the compile cache", () => {
    expect(DEFAULT_COLD_START_MODE).toBe("image");
    const plan = coldStartShimPlan();
    expect(plan).toMatchObject({ mode: "image", decorator: "app.function", bakeWeights: true, vllmFlags: [] });
    expect(plan.volumes).toEqual([COMPILE_CACHE_VOLUME]);
  });

  it("renders --enforce-eager and drops the compile-cache Volume when the cache is off", () => {
    const plan = coldStartShimPlan({ mode: "volume", compileCache: false });
    expect(plan.vllmFlags).toEqual(["--enforce-eager"]);
    expect(plan.volumes.map((v) => v.mountPath)).toEqual(["/root/.cache/huggingface"]);
    const snapshot = coldStartShimPlan({ mode: "snapshot", compileCache: false });
    expect(snapshot.vllmFlags).toEqual(["--enable-sleep-mode"]);
  });

  it("rejects an unknown mode", () => {
    expect(() => coldStartShimPlan({ mode: "warm" as ColdStartMode })).toThrow(/unknown cold-start mode "warm"/);
  });

  it("estimates startup from weight bytes (hand computation)", () => {
    // coder 82.1e9 B / 1.5e9 B/s = 54.733 s + 60 s compiled engine start = 114.733 s
    expect(estimateStartupSeconds({}, 82.1e9)).toBeCloseTo(114.733, 3);
    // eager: 54.733 + 30 = 84.733 s
    expect(estimateStartupSeconds({ mode: "volume", compileCache: false }, 82.1e9)).toBeCloseTo(84.733, 3);
    // snapshot: 114.733 / 6.5 = 17.651 s
    expect(estimateStartupSeconds({ mode: "snapshot" }, 82.1e9)).toBeCloseTo(17.651, 3);
  });

  it("every mode cites its figures with a source", () => {
    for (const mode of COLD_START_MODES) {
      for (const f of [...COLD_START_MODE_FACTS[mode].coldStart, ...COLD_START_MODE_FACTS[mode].throughput]) {
        expect(f.source, `${mode}: ${f.what}`).toMatch(/^(https:\/\/|[\w-]+\/[\w-]+:)/);
      }
    }
  });
});
