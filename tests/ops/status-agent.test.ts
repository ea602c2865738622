import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/core/paths";
import { histogramBuckets, histogramQuantile } from "../../infra/endpoints/metrics";
import { agentMetrics } from "../../infra/ops/status";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { writeModalCliStandIn } from "../stand-ins/modal-cli";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";
import { vllmEngine, type VllmEngine } from "../stand-ins/vllm-engine";

const AUTH = { tokenId: "wk-status-agent", tokenSecret: "ws-status-agent" };
const CLI = join(projectRoot(), "dist", "infra", "cli", "main.js");

describe("status shows agent figures from vLLM's counters and histograms (vLLM stand-in with engine emulation)", () => {
  let dir: string;
  let engine: VllmEngine;
  let coder: VllmStandIn;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-status-agent-"));
    engine = vllmEngine("qwen3-coder-next", { blockTokens: 16, prefillMsPerToken: 0.05, specDecode: { draftTokens: 2, acceptance: 0.6 } });
    coder = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH, respond: engine.respond, routes: [engine.metricsRoute] });
    // Two requests sharing a long prefix: the second is mostly a cache hit.
    const headers = { "Modal-Key": AUTH.tokenId, "Modal-Secret": AUTH.tokenSecret, "content-type": "application/json" };
    const context = "export const x = 1;\n".repeat(400);
    for (const question of ["first?", "second?"]) {
      const res = await fetch(`${coder.baseUrl}/chat/completions`, {
        method: "POST",
        headers,
        body: JSON.stringify({ model: "qwen3-coder-next", messages: [{ role: "user", content: context }, { role: "user", content: question }], max_tokens: 16 }),
      });
      expect(res.status).toBe(200);
    }
  });
  afterAll(async () => {
    await coder.close();
  });

  it("reads hit rate, TTFT/ITL percentiles and acceptance from a vLLM-shaped page", async () => {
    const page = await (await fetch(`${coder.url}/metrics`, { headers: { "Modal-Key": AUTH.tokenId, "Modal-Secret": AUTH.tokenSecret } })).text();
    const m = agentMetrics(page);
    expect(m.prefixCacheHitRate).toBeCloseTo(engine.counters.prefixCacheHits / engine.counters.prefixCacheQueries, 6);
    expect(m.prefixCacheHitRate!).toBeGreaterThan(0.4);
    expect(m.ttftP50).not.toBeNull();
    expect(m.ttftP90!).toBeGreaterThanOrEqual(m.ttftP50!);
    expect(m.specDecodeAcceptance).toBeCloseTo(engine.counters.specAcceptedTokens / engine.counters.specDraftTokens, 6);
    // Bucket arithmetic: cumulative counts per bound, interpolated like Prometheus histogram_quantile.
    const buckets = histogramBuckets(page, "vllm:time_to_first_token_seconds");
    expect(buckets.at(-1)).toEqual([Infinity, 2]);
    expect(histogramQuantile([[0.1, 1], [0.5, 3], [Infinity, 4]], 0.5)).toBeCloseTo(0.3);
    expect(histogramQuantile([[0.1, 0], [Infinity, 2]], 0.9)).toBe(0.1);
    expect(histogramQuantile([[1, 0], [Infinity, 0]], 0.5)).toBeNull();
  });

  it("prints them as a second table under the status table", async () => {
    const configPath = join(dir, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder });
    const envFile = join(dir, ".env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${AUTH.tokenId}\nMODAL_PROXY_TOKEN_SECRET=${AUTH.tokenSecret}\nMODAL_TOKEN_ID=ak-x\nMODAL_TOKEN_SECRET=as-x\n`);
    const modal = await writeModalCliStandIn(dir, [{ name: "qcm-coder", tasks: 1 }]);
    const result = await execa(process.execPath, [CLI, "status", "--config", configPath, "--env-file", envFile], {
      env: { PATH: process.env.PATH, HOME: dir, QCM_MODAL_CLI: modal.path },
      extendEnv: false,
      reject: false,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[3]).toMatch(/^deployment\s+prefix-cache hits\s+TTFT p50 \/ p90\s+ITL p50 \/ p90\s+spec-decode acceptance$/);
    expect(lines[4]).toMatch(/^coder\s+\d+\.\d%\s+\d+\.\d\d \/ \d+\.\d\d s\s+\d+\.\d \/ \d+\.\d ms\s+\d+\.\d%$/);
  });
});
