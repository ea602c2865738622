import { describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/cli";
import { MODAL_STAND_IN, standInWorld } from "../support/modal-stand-in";
import { computeCapacity } from "../../infra/capacity";
import { estimateCost } from "../../infra/cost";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";

async function configFile(value: unknown): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "qcm-plan-")), "config.json");
  await writeFile(path, JSON.stringify(value));
  return path;
}

describe("plan (embedded default, no credentials, no network)", () => {
  it("prints app, GPU, model, context, concurrency, capacity, cost, cold start and URL for both deployments", async () => {
    const result = await runCli(["plan"], { MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "", HOME: tmpdir() });
    expect(result.exitCode).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^coder \(coder\)\n  app          qcm-coder\n  gpu          H200\n/);
    expect(out).toContain("  context      131,072 tokens, KV cache fp8");
    expect(out).toContain("  concurrency  128 inputs/container, max containers 1, scale to zero after 300 s idle");
    expect(out).toMatch(/  capacity     KV cache [\d,]+ tokens \(12,288 B\/token\): \d+ full-context sequences at once/);
    expect(out).toMatch(/  cost         \$4\.54\/warm hour, \$0\.\d+\/cold start \(~\d+ s, estimate\), \$0\.378 idle tail per burst \(300 s\), \$0 scaled to zero/);
    expect(out).toContain("  endpoint     https://<workspace>--qcm-vlm-serve.modal.run");
    expect(out).toContain("warning: capacity: max_inputs 128 is more than 4x");
    expect(out).toMatch(/Shims checked by the modal SDK 1\.6\.4: OK\.$/m);
  });

  it("--json gives the same figures as the capacity and cost models", async () => {
    const result = await runCli(["plan", "--json"]);
    const plan = JSON.parse(result.stdout);
    const [coder, vlm] = plan.deployments;
    const cap = computeCapacity(DEFAULT_DEPLOYMENTS.vlm);
    if (!cap.known) throw new Error("the vlm must be in the model registry");
    expect(vlm.capacity).toMatchObject({ kvCacheTokens: cap.kvCacheTokens, sequencesAtMaxLen: cap.sequencesAtMaxLen, verdict: cap.verdict });
    const cost = estimateCost({ gpu: "H200", gpuCount: 1, startupSeconds: coder.cost.startupSeconds, scaledownWindowSeconds: 300 });
    expect(coder.cost.usdPerWarmHour).toBeCloseTo(cost.usdPerWarmHour, 9);
    expect(coder.cost.usdPerColdStart).toBeCloseTo(cost.usdPerColdStart, 9);
    expect(coder).toMatchObject({ coldStart: "image", compileCache: true, maxInputs: 128, gpu: "H200" });
  });

  it("rate overrides from config change the cost; a snapshot deployment predicts the class endpoint URL", async () => {
    const path = await configFile({
      settings: { gpuRatesUsdPerSecond: { H200: 0.001 }, workspace: "acme" },
      deployments: { coder: { coldStart: "snapshot" } },
    });
    const plan = JSON.parse((await runCli(["plan", "--json", "--stack-config", path])).stdout);
    expect(plan.deployments[0].cost).toMatchObject({ usdPerWarmHour: 3.6, source: "config override", asOf: "override" });
    expect(plan.deployments[0].url).toBe("https://acme--qcm-coder-server-serve.modal.run");
    expect(plan.deployments[0].cost.startupSeconds).toBeLessThan(plan.deployments[1].cost.startupSeconds);
  });

  it("shows the deploy gate (on by default): its bound from the cold-start estimate + 300 s and its GPU cost; off with gate false; a deployment's verifyDeploy overrides", async () => {
    const result = await runCli(["plan"]);
    expect(result.stdout).toMatch(/^  deploy gate  conformance suite after each deploy, bound \d+ s \(cold-start estimate \+ margin\), ~\$\d+\.\d+ GPU per deploy \(a cold start, the checks, the idle tail\)$/m);
    const [coder, vlm] = JSON.parse((await runCli(["plan", "--json"])).stdout).deployments;
    expect(coder.gate.boundSeconds).toBe(Math.ceil(coder.cost.startupSeconds + 300));
    // A cold start, 90 s of checks and the 300 s idle tail of warm GPU.
    expect(coder.gate.usdPerRun).toBeCloseTo(coder.cost.usdPerColdStart + (coder.cost.usdPerWarmHour * 390) / 3600, 9);
    expect(vlm.gate.boundSeconds).toBe(Math.ceil(vlm.cost.startupSeconds + 300));
    const off = await configFile({ settings: { gate: false }, deployments: { vlm: { verifyDeploy: 900 } } });
    const [coderOff, vlmOwn] = JSON.parse((await runCli(["plan", "--json", "--stack-config", off])).stdout).deployments;
    expect(coderOff.gate).toEqual({ boundSeconds: null, usdPerRun: 0 });
    expect(vlmOwn.gate.boundSeconds).toBe(900);
    expect((await runCli(["plan", "--stack-config", off])).stdout).toContain("  deploy gate  off (qwen-code-modal:gate false)");
    const bad = await runCli(["plan", "--stack-config", await configFile({ settings: { gate: 2 } })]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/qwen-code-modal:gate: got 2; must be true, false, or a bound in seconds \(5-7200\)/);
  });

  it("the engine safety matrix: MTP with prefix caching and with tool parsing warn, citing vLLM 0.33.0's source lines and the reports; the defaults do not", async () => {
    const mtp = JSON.parse((await runCli(["plan", "--json", "--stack-config", await configFile({ deployments: { coder: { speculativeDecoding: { method: "mtp", tokens: 2 } } } })])).stdout);
    const warnings = mtp.deployments[0].warnings.join("\n");
    expect(warnings).toContain("engine safety: MTP + prefix caching: MTP with prefix caching on this hybrid model: vLLM 0.33.0 caches Mamba state in align mode");
    expect(warnings).toContain("v1/core/single_type_kv_cache_manager.py:1433-1445, 1687, 1714-1715");
    expect(warnings).toMatch(/vLLM #47194, #54360\).*fixes open \(#50172, #54637, #56466\)/);
    expect(warnings).toContain("engine safety: MTP + tool parsing: MTP with the qwen3_coder tool parser");
    const off = JSON.parse((await runCli(["plan", "--json", "--stack-config", await configFile({ deployments: { coder: { speculativeDecoding: { method: "mtp", tokens: 2 }, prefixCaching: { enabled: false } } } })])).stdout);
    expect(off.deployments[0].warnings.join("\n")).not.toContain("MTP + prefix caching");
    const plain = JSON.parse((await runCli(["plan", "--json"])).stdout);
    expect(plain.deployments.flatMap((d: { warnings: string[] }) => d.warnings).join("\n")).not.toContain("engine safety");
  });

  it("warns that FP8 KV on an A100 (sm80) runs only on FlashInfer; the default (auto) does not warn", async () => {
    const fp8 = JSON.parse((await runCli(["plan", "--json", "--stack-config", await configFile({ deployments: { vlm: { kvCacheDtype: "fp8" } } })])).stdout);
    expect(fp8.deployments[1].warnings.join("\n")).toContain("kv cache: fp8 on A100-80GB (sm80) runs only on FlashInfer's kernels in vLLM 0.33.0");
    const auto = JSON.parse((await runCli(["plan", "--json"])).stdout);
    expect(auto.deployments[1].kvCacheDtype).toBe("auto");
    expect(auto.deployments[1].warnings.join("\n")).not.toContain("kv cache:");
    expect(auto.deployments[0].warnings.join("\n")).not.toContain("kv cache:");
  });

  it("GPU fallback lists: the modal SDK check accepts gpu=[...], plan shows capacity and cost per option; a budget warns", async () => {
    const path = await configFile({
      deployments: { coder: { gpu: ["H200", "B200"] }, vlm: { gpu: ["A100-80GB", "H100"] } },
      settings: { budget: { usdPerMonth: 300, warmHoursPerDay: 4, coldStartsPerDay: 4, daysPerMonth: 22 } },
    });
    const result = await runCli(["plan", "--json", "--stack-config", path]);
    expect(result.exitCode, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    const [coder, vlm] = plan.deployments;
    expect(coder.gpuOptions.map((o: { gpu: string }) => o.gpu)).toEqual(["H200", "B200"]);
    const b200 = estimateCost({ gpu: "B200", gpuCount: 1, startupSeconds: 0, scaledownWindowSeconds: 0 });
    expect(coder.gpuOptions[1].usdPerWarmHour).toBeCloseTo(b200.usdPerWarmHour, 9);
    expect(coder.gpuOptions[1].kvCacheTokens).toBeGreaterThan(coder.gpuOptions[0].kvCacheTokens);
    expect(vlm.gpuOptions.map((o: { gpu: string }) => o.gpu)).toEqual(["A100-80GB", "H100"]);
    // Budget: the dearest option per deployment, 4 h warm + 4 cold starts a day for 22 days.
    const month = (o: { usdPerWarmHour: number; usdPerColdStart: number }) => 22 * (4 * o.usdPerWarmHour + 4 * o.usdPerColdStart);
    expect(plan.budget.lines).toEqual([
      { deployment: "coder", gpu: "B200", usdPerMonth: expect.closeTo(month(coder.gpuOptions[1]), 6) },
      { deployment: "vlm", gpu: "H100", usdPerMonth: expect.closeTo(month(vlm.gpuOptions[1]), 6) },
    ]);
    expect(plan.budget.warning).toMatch(/^budget: the usage profile \(4 h warm \+ 4 cold starts a day, 22 days a month\) is expected to cost \$\d+\.\d\d\/month, over the budget of \$300\.00/);
    const text = (await runCli(["plan", "--stack-config", path])).stdout;
    expect(text).toMatch(/\n  gpu +H200 > B200 \(in order of preference/);
    expect(text).toMatch(/\n  per GPU +H200: \$4\.54\/warm hour/);
    expect(text).toContain("warning: budget: the usage profile");
    const roomy = await configFile({ settings: { budget: { usdPerMonth: 5000 } } });
    expect(JSON.parse((await runCli(["plan", "--json", "--stack-config", roomy])).stdout).budget.warning).toBeUndefined();
  });

  it("refuses a deployment that cannot hold one max_model_len sequence, before rendering", async () => {
    const path = await configFile({ deployments: { vlm: { gpu: "L4" } } });
    const result = await runCli(["plan", "--stack-config", path]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/qwen-code-modal:deployments\.vlm\.maxModelLen: got 32768; does not fit on 1x L4/);
    expect(result.stdout).toBe("");
  });

  it("--live-rates asks the modal CLI (stand-in) for the workspace's rates, and fails clearly without credentials", async () => {
    const world = await standInWorld();
    const env = { QCM_MODAL_CLI: MODAL_STAND_IN, MODAL_STAND_IN_STATE: world.statePath, QCM_ENV_FILE: join(world.dir, "none.env") };
    const ok = await runCli(["plan", "--live-rates", "--json"], { ...env, MODAL_TOKEN_ID: "ak-liveRate1", MODAL_TOKEN_SECRET: "as-liveRate1" });
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout).liveRates).toEqual({ "stand-in.gpu.h200": 0.001261, "stand-in.cpu": 0.0000131 });
    expect((await world.state()).calls.map((c) => c.argv)).toEqual([["billing", "rates", "--json"]]);
    const denied = await runCli(["plan", "--live-rates"], { ...env, MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "" });
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).toMatch(/^error: modal billing rates failed: Error: Token missing/);
  });
});
