/**
 * Cold-start mode data against the verified sample shims: each shim is imported by the real modal
 * SDK (offline, no credentials) through inspect_shim.py, and what Modal registered must match the
 * mode's data in infra/coldstart.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
import { WEIGHTS_MODES } from "../../infra/config/schema";

const ROOT = join(__dirname, "..", "..");
const PYTHON = join(ROOT, ".venv", "bin", "python");
const INSPECT = join(__dirname, "inspect_shim.py");

interface ShimReport {
  error?: string;
  app_name: string;
  functions: Record<string, { gpus: string[]; volumes: string[]; web_server: { port: number; requires_proxy_auth: boolean } | null }>;
  classes: Record<string, { enter_snap: string[]; enter_restore: string[]; exit: string[]; web_servers: Record<string, unknown> }>;
  decorator_options: Record<string, unknown>;
  vllm_args: string[];
  image_env: Record<string, string>;
}

function inspect(shim: string): ShimReport {
  try {
    return JSON.parse(execFileSync(PYTHON, [INSPECT, shim], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: tmpdir(), PYTHONDONTWRITEBYTECODE: "1" } }));
  } catch (err) {
    const stdout = (err as { stdout?: string }).stdout;
    if (stdout) return JSON.parse(stdout);
    throw err;
  }
}

const reports = Object.fromEntries(
  COLD_START_MODES.map((mode) => [mode, inspect(join(ROOT, COLD_START_MODE_FACTS[mode].sampleShim))]),
) as Record<ColdStartMode, ShimReport>;

describe.each(COLD_START_MODES)("mode %s: sample shim checked by the real modal SDK", (mode) => {
  const facts = COLD_START_MODE_FACTS[mode];
  const plan = coldStartShimPlan({ mode });
  const report = reports[mode];

  it("imports without credentials", () => {
    expect(report.error).toBeUndefined();
    expect(report.app_name).toBe(`qcm-coldstart-${mode}`);
  });

  it("mounts exactly the plan's Volumes (compile cache included)", () => {
    const [fn] = Object.values(report.functions);
    expect(fn.volumes).toEqual(plan.volumes.map((v) => v.mountPath).sort());
    expect(fn.volumes).toContain(COMPILE_CACHE_VOLUME.mountPath);
    for (const v of plan.volumes) expect(readFileSync(join(ROOT, facts.sampleShim), "utf8")).toContain(v.volumeName);
  });

  it("carries the mode's decorator options, vLLM flags and env", () => {
    expect(report.decorator_options).toEqual(facts.decoratorOptions);
    for (const flag of plan.vllmFlags) expect(report.vllm_args).toContain(flag);
    expect(report.vllm_args).not.toContain("--enforce-eager");
    expect(report.image_env).toEqual(facts.env);
  });

  it("serves a web endpoint with proxy auth where the mode's decorator puts it", () => {
    if (facts.decorator === "app.function") {
      expect(report.functions.serve.web_server).toEqual({ port: 8000, requires_proxy_auth: true });
      expect(report.classes).toEqual({});
    } else {
      expect(report.classes.Server.web_servers).toEqual({ serve: { port: 8000, requires_proxy_auth: true } });
    }
  });
});

describe("snapshot lifecycle", () => {
  it("Modal sees one snap=True enter, one snap=False enter and an exit", () => {
    expect(reports.snapshot.classes.Server).toMatchObject({
      enter_snap: ["start_and_sleep"],
      enter_restore: ["wake"],
      exit: ["stop"],
    });
    const lifecycle = COLD_START_MODE_FACTS.snapshot.lifecycle!;
    expect(lifecycle.enterSnap.join(" ")).toContain("/sleep?level=1");
    expect(lifecycle.enterRestore).toEqual(["POST /wake_up"]);
    const source = readFileSync(join(ROOT, COLD_START_MODE_FACTS.snapshot.sampleShim), "utf8");
    expect(source).toContain('_post("/sleep?level=1")');
    expect(source).toContain('_post("/wake_up")');
  });

  it("the SDK refuses snap=True without enable_memory_snapshot (the check can fail)", () => {
    const dir = mkdtempSync(join(tmpdir(), "coldstart-"));
    const broken = join(dir, "broken.py");
    copyFileSync(join(ROOT, COLD_START_MODE_FACTS.snapshot.sampleShim), broken);
    writeFileSync(broken, readFileSync(broken, "utf8").replace("enable_memory_snapshot=True,", ""));
    expect(inspect(broken).error).toMatch(/InvalidError: .*enable_memory_snapshot=True/);
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

  it("keeps the config's weights values as mode names", () => {
    for (const w of WEIGHTS_MODES) expect(COLD_START_MODES).toContain(w);
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
