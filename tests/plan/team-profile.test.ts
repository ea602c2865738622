import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { readRawConfigFile } from "../../infra/config/file";
import { resolveConfig } from "../../infra/config/resolve";
import { DEFAULT_SESSION_CONTEXT_TOKENS, IDLE_RETENTION_HIT_RATES, prefixCacheTokens, sizeSessions, TEAM_SCALEDOWN_WINDOW_SECONDS } from "../../infra/capacity";
import { buildPlan } from "../../infra/plan/plan";
import { renderShim } from "../../infra/render/shim";
import { projectRoot } from "../../infra/core/paths";

const ROOT = projectRoot();
const TEAM = join(ROOT, "profiles", "team.json");
const CLI = join(ROOT, "dist", "infra", "cli", "main.js");

async function teamConfig() {
  return resolveConfig(await readRawConfigFile(TEAM));
}

/** Plan entries without the modal check (the shim check is tested elsewhere): what buildPlan makes of the config. */
function plan(config: Awaited<ReturnType<typeof teamConfig>>, team?: { sessions: number; contextTokens?: number }) {
  const prepared = Object.entries(config.deployments).map(([name, deployment]) => ({ name, deployment, shim: renderShim(name, deployment), report: {} as never }));
  return buildPlan(prepared as never, config.settings, () => null, team);
}

describe("the team profile (profiles/team.json): several coder containers as a Modal Server, sized from the capacity model", () => {
  it("serves the coder as a Modal Server on more than one container, target_concurrency = the sessions one H200's prefix cache holds", async () => {
    const config = await teamConfig();
    const coder = config.deployments.coder;
    expect(coder.serving).toBe("server");
    expect(coder.maxContainers).toBeGreaterThan(1);
    const [entry] = plan(config, { sessions: 1 });
    // The profile's number is what the capacity model says for a ~64K-token session on the coder's H200.
    expect(entry.sessions!.contextTokens).toBe(DEFAULT_SESSION_CONTEXT_TOKENS);
    expect(coder.targetConcurrency).toBe(entry.sessions!.sessionsPerContainer);
    expect(coder.targetConcurrency).toBe(12);
    // The web_server default keeps its single container.
    expect(resolveConfig({}).deployments.coder).toMatchObject({ serving: "web_server", maxContainers: 1 });
  });

  it("scaledownWindow is the knee of TraceLab's idle-retention curve (5 min: 94% of hits; 1 h adds only 4.6 points)", async () => {
    expect((await teamConfig()).deployments.coder.scaledownWindow).toBe(TEAM_SCALEDOWN_WINDOW_SECONDS);
    const [oneMin, fiveMin, oneHour] = IDLE_RETENTION_HIT_RATES;
    const perMinute = (a: typeof oneMin, b: typeof oneMin) => (b.hitRate - a.hitRate) / ((b.seconds - a.seconds) / 60);
    expect(TEAM_SCALEDOWN_WINDOW_SECONDS).toBe(fiveMin.seconds);
    expect(perMinute(oneMin, fiveMin)).toBeGreaterThan(20 * perMinute(fiveMin, oneHour));
  });

  it("sizes N sessions: containers = ceil(N / sessions per container), cost with them all warm; over maxContainers is a warning", async () => {
    const config = await teamConfig();
    const [coder, vlm] = plan(config, { sessions: 40 });
    expect(coder.sessions).toMatchObject({ sessions: 40, sessionsPerContainer: 12, containers: 4 });
    expect(coder.sessions!.usdPerWarmHour).toBeCloseTo(4 * coder.cost.usdPerWarmHour, 6);
    expect(vlm.sessions).toBeNull();
    expect(coder.warnings.some((w) => w.startsWith("sessions:"))).toBe(false);
    const [crowded] = plan(config, { sessions: 100 });
    expect(crowded.warnings).toContain(
      "sessions: 100 sessions of ~65,536 tokens need 9 containers, over maxContainers 4: the rest share caches and re-prefill; raise maxContainers or plan fewer sessions",
    );
    const [small] = plan(config, { sessions: 100, contextTokens: 16_384 });
    expect(small.sessions).toMatchObject({ sessionsPerContainer: 49, containers: 3 });
  });

  it("the prefix cache of the hybrid coder: each ~1,072-token block also holds a 37.7 MiB checkpoint, so a quarter of the KV tokens", () => {
    const [coder] = plan(resolveConfig({}), { sessions: 1 });
    const kv = coder.capacity.kvCacheTokens!;
    const cached = prefixCacheTokens(kv, coder.capacity.kvBytesPerToken!, coder.serving.prefixCaching.mambaStateBytesPerCheckpoint!, coder.serving.prefixCaching.blockTokens![0]);
    expect(cached / kv).toBeGreaterThan(0.2);
    expect(cached / kv).toBeLessThan(0.3);
    expect(prefixCacheTokens(1000, 100)).toBe(1000);
    expect(sizeSessions(1000, 5, 2000)).toEqual({ contextTokens: 2000, sessionsPerContainer: 0, sessions: 5, containers: Infinity });
    expect(() => sizeSessions(1000, 0)).toThrow("sessions must be a positive whole number (got 0)");
  });

  it("plan --stack-config profiles/team.json --sessions 40 prints the Server's concurrency and the sessions line; bad options are refused", async () => {
    const env = { PATH: process.env.PATH, HOME: ROOT, QCM_VLLM_CHECK: "0" };
    const r = await execa(process.execPath, [CLI, "plan", "--stack-config", TEAM, "--sessions", "40"], { env, extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "concurrency  Modal Server: target 12 concurrent requests/container, at most 128 (429 above), max containers 4, scale to zero after 300 s idle; Modal-Session-ID keeps a session on one container",
    );
    expect(r.stdout).toMatch(/sessions {5}40 agent sessions of ~65,536 tokens: 12 per container \(prefix cache, estimate\), 4 container\(s\), \$\d+\.\d\d\/hour with all warm/);
    const bad = await execa(process.execPath, [CLI, "plan", "--session-context", "8000"], { env, extendEnv: false, reject: false });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain("--session-context needs --sessions N");
  });
});
