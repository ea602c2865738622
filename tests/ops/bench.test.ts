import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/core/paths";
import type { BenchResult } from "../../infra/bench/results";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { writeModalCliStandIn, type ModalCliStandIn } from "../stand-ins/modal-cli";
import { startModalGateway, type ModalGatewayStandIn } from "../stand-ins/modal-gateway";
import { conformingCoderOptions, type CoderMisbehaviour } from "../stand-ins/coder-routes";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";
import { vllmEngine, type VllmEngine } from "../stand-ins/vllm-engine";

const AUTH = { tokenId: "wk-bench1", tokenSecret: "ws-bench1" };
const CLI = join(projectRoot(), "dist", "infra", "cli", "main.js");

describe("bench against the vLLM stand-in with engine emulation (prefix cache, TTFT, /metrics) behind the Modal gateway stand-in", () => {
  let dir: string;
  let engine: VllmEngine;
  let vllm: VllmStandIn;
  let gateway: ModalGatewayStandIn;
  let modal: ModalCliStandIn;
  let configPath: string;
  let envFile: string;
  let benchDir: string;
  const run = (args: string[]) =>
    execa(process.execPath, [CLI, ...args, "--config", configPath, "--env-file", envFile], {
      env: { PATH: process.env.PATH, HOME: dir, QCM_MODAL_CLI: modal.path },
      extendEnv: false,
      reject: false,
    });
  const workload = ["--sessions", "2", "--turns", "3", "--context-tokens", "8000", "--turn-tokens", "400", "--max-tokens", "48"];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-bench-"));
    benchDir = join(dir, "bench");
    // Slow enough prefill (0.1 ms/token) that an 8K uncached prompt is visibly slower than a cached turn.
    engine = vllmEngine("qwen3-coder-next", { blockTokens: 64, prefillMsPerToken: 0.1, interTokenMs: 2, specDecode: { draftTokens: 2, acceptance: 0.7 } });
    vllm = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: false, respond: engine.respond, routes: [engine.metricsRoute] });
    gateway = await startModalGateway({ upstream: vllm.url, coldStartMs: 600, requestLimitMs: 30_000, idleMs: 60_000, proxyToken: AUTH });
    configPath = join(dir, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder: { ...vllm, url: gateway.url, baseUrl: gateway.baseUrl } });
    envFile = join(dir, ".env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${AUTH.tokenId}\nMODAL_PROXY_TOKEN_SECRET=${AUTH.tokenSecret}\nMODAL_TOKEN_ID=ak-x\nMODAL_TOKEN_SECRET=as-x\n`);
    modal = await writeModalCliStandIn(dir, [{ name: "qcm-coder", tasks: 0 }]);
  });
  afterAll(async () => {
    await gateway?.close();
    await vllm?.close();
  });

  it("--cold measures the first token through a cold start, then runs the growing sessions and saves the result by config hash", async () => {
    const result = await run(["bench", ...workload, "--cold", "--cold-start-timeout", "60", "--bench-dir", benchDir]);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    const out = result.stdout;
    console.log(out); // the table, in the CI log (issue 13: "bench runs against the stand-in in CI and prints its table")
    expect(out).toMatch(/^bench: coder \(qwen3-coder-next\) at http:\/\/127\.0\.0\.1:\d+: 2 sessions x 3 turns, ~8,000-token contexts \(first prompts [\d,]+ tokens by the server's count\) growing ~400 tokens a turn, config [0-9a-f]{12}/);
    expect(out).toMatch(/TTFT, first turn \(uncached\)\s+[\d.]+ s\s+[\d.]+ s\s+2\n/);
    expect(out).toMatch(/TTFT, later turns \(cached prefix\)\s+[\d.]+ s\s+[\d.]+ s\s+4\n/);
    expect(out).toMatch(/prefix-cache hit rate\s+\d+\.\d% \([\d,]+ of [\d,]+ queried tokens, \/metrics delta\)/);
    expect(out).toMatch(/spec-decode acceptance\s+70\.\d%/);
    expect(out).toMatch(/tool calls\s+4\/4 asked turns answered with structured tool_calls; 0 turn\(s\) leaked/);
    expect(out).toMatch(/cost\s+\$4\.54\/h: \$[\d.]+ per M generated tokens/);
    expect(out).toMatch(/cold start\s+first token after [\d.]+ s/);
    expect(gateway.stats.coldStarts).toBe(1);

    const files = await readdir(benchDir);
    expect(files).toHaveLength(1);
    const saved = JSON.parse(await readFile(join(benchDir, files[0]), "utf8")) as BenchResult;
    expect(out).toContain(`saved                   ${join(benchDir, files[0])}`);
    // Uncached first turns wait for ~8K tokens of prefill each (queued behind each other); cached turns prefill only what was appended.
    expect(saved.ttft.firstTurnMs.p50!).toBeGreaterThan(2 * saved.ttft.laterTurnsMs.p50!);
    expect(saved.cold!.ttftMs).toBeGreaterThanOrEqual(600);
    // The hit rate from /metrics equals what the engine counted (nothing else ran in between but the cold-start request).
    expect(saved.prefixCache!.hitTokens).toBeGreaterThan(0);
    expect(saved.prefixCache!.hitRate!).toBeGreaterThan(0.5);
    expect(saved.prefixCache!.queriedTokens).toBe(engine.log.slice(1).reduce((n, r) => n + r.promptTokens, 0));
    const later = engine.log.slice(1).filter((r) => r.cachedTokens > 0);
    expect(later).toHaveLength(4);
    // Each later turn re-used all whole blocks of the previous prompt of its session.
    for (const r of later) expect(r.promptTokens - r.cachedTokens).toBeLessThan(400 + 64 + 200);
    expect(saved.tokens.prompt).toBeGreaterThan(2 * 8000 * 0.8);
    expect(saved.decode.perStreamTokensPerSecond.n).toBeGreaterThan(0);
    expect(saved.server!.ttftSeconds.n).toBe(6); // the 2 x 3 measured turns; the cold-start request came before the first reading
    expect(saved.toolCalls.roundTripMs.n).toBe(4);
    expect(saved.target.configHash).toMatch(/^[0-9a-f]{64}$/);

    // plan shows these figures next to its estimates, for the same config hash.
    const plan = await execa(process.execPath, [CLI, "plan", "--bench-dir", benchDir], { env: { PATH: process.env.PATH, HOME: dir }, extendEnv: false, reject: false });
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/measured     TTFT first turn [\d.]+ s, later turns [\d.]+ s \(p50, ~8,000-token contexts\), prefix-cache hit rate \d+\.\d%, decode [\d.]+ tok\/s per stream/);
    expect(plan.stdout).toContain("measured     no bench result for this config yet");
    // Another config (different hash) does not show the result.
    const other = join(dir, "stack.json");
    await writeFile(other, JSON.stringify({ deployments: { coder: { maxInputs: 64 } } }));
    const plan2 = await execa(process.execPath, [CLI, "plan", "--bench-dir", benchDir, "--stack-config", other], { env: { PATH: process.env.PATH, HOME: dir }, extendEnv: false, reject: false });
    expect(plan2.stdout).not.toMatch(/measured     TTFT/);
  });

  it("--cold refuses an app that has a container running, naming the app and the fix", async () => {
    await modal.setApps([{ name: "qcm-coder", tasks: 1 }]);
    const result = await run(["bench", ...workload, "--cold"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/bench --cold: qcm-coder has 1 container\(s\) running; wait for it to scale to zero \(scaledownWindow 300 s after the last request\) or stop it with `modal app stop qcm-coder`/);
    await modal.setApps([{ name: "qcm-coder", tasks: 0 }]);
  });

  it("refuses a workload longer than the deployment's max_model_len, and bad numbers, before any request", async () => {
    const before = vllm.requests.length;
    const long = await run(["bench", "--context-tokens", "130000", "--turns", "4"]);
    expect(long.exitCode).toBe(1);
    expect(long.stderr).toMatch(/over the deployment's max_model_len 131,072: lower --context-tokens/);
    const bad = await run(["bench", "--sessions", "0"]);
    expect(bad.stderr).toMatch(/--sessions must be a positive number \(got "0"\)/);
    expect(vllm.requests.length).toBe(before);
  });

  it("a bare --url with --json: counts leaked <tool_call> markup, no cost without --usd-per-hour", async () => {
    const leaky = vllmEngine("plain-model", { leakToolMarkup: true, blockTokens: 16 });
    const plain = await startVllmStandIn({ model: "plain-model", proxyAuth: AUTH, respond: leaky.respond, routes: [leaky.metricsRoute] });
    try {
      const result = await run(["bench", "--url", `${plain.url}/v1`, "--model", "plain-model", "--sessions", "1", "--turns", "2", "--context-tokens", "2000", "--turn-tokens", "100", "--max-tokens", "16", "--json"]);
      expect(result.exitCode, result.stderr).toBe(0);
      const r = JSON.parse(result.stdout) as BenchResult;
      expect(r.target).toMatchObject({ deployment: null, configHash: null, model: "plain-model" });
      expect(r.toolCalls).toMatchObject({ asked: 1, structured: 0, leaked: 1 });
      expect(r.cost).toBeNull();
      expect(plain.requests.filter((q) => q.path === "/v1/chat/completions").every((q) => q.headers["modal-key"] === AUTH.tokenId)).toBe(true);
    } finally {
      await plain.close();
    }
  });

  it("--check runs the conformance suite first: a coder leaking tool calls into content is not benchmarked; a conforming one is", async () => {
    let mode: CoderMisbehaviour | undefined = "call-in-content";
    const coder = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH, ...conformingCoderOptions(() => mode) });
    try {
      const checkedConfig = join(dir, "endpoints-check.json");
      await writeStandInEndpointConfig(checkedConfig, { coder });
      const small = ["--sessions", "1", "--turns", "2", "--context-tokens", "2000", "--turn-tokens", "100", "--max-tokens", "16", "--bench-dir", join(dir, "bench-check")];
      const runChecked = () =>
        execa(process.execPath, [CLI, "bench", "--check", ...small, "--config", checkedConfig, "--env-file", envFile], { env: { PATH: process.env.PATH, HOME: dir, QCM_MODAL_CLI: modal.path }, extendEnv: false, reject: false });
      const refused = await runChecked();
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(/^FAIL coder streamed tool call \[guards: tool call left in content as <tool_call> text \(vllm-project\/vllm#22975, /m);
      expect(refused.stderr).toMatch(/error: bench --check: streamed tool call \(guards: tool call left in content as <tool_call> text\); parallel tool calls \(nested JSON, unicode, long string\) \(guards: [^)]*\) failed on coder; not benchmarking/);
      const checks = coder.requests.length;
      expect(refused.stdout).toBe("");
      mode = undefined;
      const passed = await runChecked();
      expect(passed.exitCode, passed.stderr).toBe(0);
      expect(passed.stderr.match(/^ok   coder /gm)).toHaveLength(8);
      expect(passed.stdout).toMatch(/^bench: coder \(qwen3-coder-next\)/);
      expect(coder.requests.length).toBeGreaterThan(2 * checks);
    } finally {
      await coder.close();
    }
  });
});
