import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyDeployed } from "../../infra/provider/verify-deploy";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";

const AUTH = { tokenId: "wk-verify1", tokenSecret: "ws-verify1" };
const headers = { "Modal-Key": AUTH.tokenId, "Modal-Secret": AUTH.tokenSecret };

describe("verifyDeployed: /health and /v1/models with the served name, bounded (vLLM stand-in)", () => {
  let vllm: VllmStandIn;
  beforeAll(async () => {
    vllm = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH });
  });
  afterAll(() => vllm.close());

  it("passes once the new version serves the model, logging progress while it starts", async () => {
    vllm.setFault({ status: 503, requests: 2 });
    const progress: string[] = [];
    const outcome = await verifyDeployed({ url: vllm.url, model: "qwen3-coder-next", headers, timeoutSeconds: 20, pollSeconds: 0.2, onProgress: (l) => progress.push(l) });
    expect(outcome).toMatchObject({ ok: true });
    expect(progress).toHaveLength(2);
    expect(progress[0]).toMatch(/^verifying: \d+ s of 20 s, \/health: HTTP 503$/);
    expect(vllm.requests.filter((r) => r.path === "/v1/models").at(-1)?.status).toBe(200);
  });

  it("fails after the bound when /v1/models never lists the served name (an old or wrong model)", async () => {
    vllm.setFault(null);
    const outcome = await verifyDeployed({ url: vllm.url, model: "qwen3-coder-next-v2", headers, timeoutSeconds: 1, pollSeconds: 0.3 });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toMatch(/^not serving "qwen3-coder-next-v2" at http:\/\/127\.0\.0\.1:\d+ after \d+ s \(bound 1 s, \d+ attempts; last: \/v1\/models lists \["qwen3-coder-next"\], not "qwen3-coder-next-v2"\)$/);
  });

  it("fails at once when Modal's proxy auth refuses the credentials", async () => {
    const started = Date.now();
    const outcome = await verifyDeployed({ url: vllm.url, model: "qwen3-coder-next", headers: { "Modal-Key": "wk-wrong", "Modal-Secret": "ws-wrong" }, timeoutSeconds: 30 });
    expect(outcome).toEqual({ ok: false, reason: `${vllm.url}/health refused the proxy credentials (HTTP 401)` });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
