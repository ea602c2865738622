import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import {
  FUNCTION_CALL_ID_PARAM,
  INVALID_CREDENTIALS_TEXT,
  MISSING_CREDENTIALS_TEXT,
  startModalGateway,
  type GatewayOptions,
  type ModalGatewayStandIn,
} from "./modal-gateway";
import { startVllmStandIn, type VllmStandIn } from "./vllm-endpoint";

const TOKEN = { tokenId: "wk-gw1", tokenSecret: "ws-gw1" };
const HEADERS = { "modal-key": TOKEN.tokenId, "modal-secret": TOKEN.tokenSecret };

let vllm: VllmStandIn | undefined;
let gateway: ModalGatewayStandIn | undefined;

async function start(options: Omit<GatewayOptions, "upstream">, reply?: Parameters<typeof startVllmStandIn>[0]) {
  vllm = await startVllmStandIn({ proxyAuth: false, ...reply });
  gateway = await startModalGateway({ upstream: vllm.url, proxyToken: TOKEN, ...options });
  return { vllm, gateway };
}

afterEach(async () => {
  await gateway?.close();
  await vllm?.close();
  gateway = vllm = undefined;
});

const chat = (stream = false) =>
  JSON.stringify({ model: "qwen3-vl", stream, messages: [{ role: "user", content: "hello" }] });

async function post(url: string, body: string, headers: Record<string, string> = HEADERS) {
  const started = performance.now();
  const res = await request(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, ms: performance.now() - started };
}

async function get(url: string, headers: Record<string, string> = HEADERS) {
  const started = performance.now();
  const res = await request(url, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, ms: performance.now() - started };
}

describe("Modal gateway stand-in in front of the vLLM stand-in", () => {
  it("answers 401 with Modal's text without the proxy headers, and starts no container", async () => {
    const { gateway } = await start({ coldStartMs: 50 });
    const none = await get(`${gateway.url}/health`, {});
    expect(none).toMatchObject({ status: 401, text: MISSING_CREDENTIALS_TEXT });
    const wrong = await get(`${gateway.url}/health`, { "modal-key": TOKEN.tokenId, "modal-secret": "ws-wrong" });
    expect(wrong).toMatchObject({ status: 401, text: INVALID_CREDENTIALS_TEXT });
    expect(gateway.stats).toMatchObject({ unauthorized: 2, coldStarts: 0, state: "cold" });
    const bearer = await get(`${gateway.url}/health`, { authorization: `Bearer ${TOKEN.tokenId}.${TOKEN.tokenSecret}` });
    expect(bearer.status).toBe(200);
  });

  it("holds requests through a cold start, then serves warm ones at once", async () => {
    const { gateway, vllm } = await start({ coldStartMs: 600, requestLimitMs: 5_000 });
    const [a, b] = await Promise.all([get(`${gateway.url}/health`), get(`${gateway.url}/v1/models`)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(Math.min(a.ms, b.ms)).toBeGreaterThanOrEqual(550);
    expect(gateway.stats).toMatchObject({ coldStarts: 1, state: "warm", redirects: 0 });
    const warm = await get(`${gateway.url}/health`);
    expect(warm.ms).toBeLessThan(300);
    expect(vllm.requests.map((r) => r.path)).toEqual(["/health", "/v1/models", "/health"]);
  });

  it("answers 303 to a result URL past the limit; the result URL blocks up to the limit, 303s again, then gives the answer", async () => {
    const { gateway, vllm } = await start({ coldStartMs: 1_000, requestLimitMs: 350 });
    const first = await post(`${gateway.url}/v1/chat/completions?x=1`, chat());
    expect(first.status).toBe(303);
    expect(first.ms).toBeGreaterThanOrEqual(330);
    const location = String(first.headers.location);
    expect(location).toMatch(new RegExp(`^/v1/chat/completions\\?x=1&${FUNCTION_CALL_ID_PARAM}=fc-[0-9a-f]{24}$`));

    // Without credentials the result URL is refused too.
    expect((await get(`${gateway.url}${location}`, {})).status).toBe(401);

    const polls: { status: number; ms: number }[] = [];
    let answer: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 10 && !answer; i++) {
      const r = await get(`${gateway.url}${location}`);
      polls.push({ status: r.status, ms: r.ms });
      if (r.status === 303) expect(r.headers.location).toBe(location);
      else answer = r;
    }
    expect(answer?.status).toBe(200);
    expect(JSON.parse(answer!.text).choices[0].message.content).toMatch(/^stand-in answer/);
    // The cold start (1 s) outlasts one limit (350 ms) after the first: at least one blocking poll answered 303 again.
    expect(polls[0]).toMatchObject({ status: 303 });
    expect(polls[0].ms).toBeGreaterThanOrEqual(330);

    // Reloading the result URL returns the same answer without a new call upstream.
    const again = await get(`${gateway.url}${location}`);
    expect(again.text).toBe(answer!.text);
    expect(vllm.requests.filter((r) => r.path === "/v1/chat/completions")).toHaveLength(1);
    expect(gateway.stats.redirects).toBe(1 + polls.length - 1);
  });

  it("passes a streamed answer through once it started within the limit, however long it runs", async () => {
    const { gateway } = await start(
      { warm: true, requestLimitMs: 300 },
      { respond: () => ({ content: "x".repeat(12 * 12), pieceDelayMs: 60 }) },
    );
    const streamed = await post(`${gateway.url}/v1/chat/completions`, chat(true));
    expect(streamed.status).toBe(200);
    expect(streamed.ms).toBeGreaterThan(600);
    expect(streamed.text.trim().endsWith("data: [DONE]")).toBe(true);
    const whole = await post(`${gateway.url}/v1/chat/completions`, chat(false));
    expect(whole.status).toBe(303);
    expect(gateway.stats.redirects).toBe(1);
  });

  it("scales to zero after the idle window, and the next request pays the cold start again", async () => {
    const { gateway } = await start({ coldStartMs: 300, idleMs: 200 });
    await get(`${gateway.url}/health`);
    expect(gateway.stats.state).toBe("warm");
    await expect.poll(() => gateway.stats.state, { timeout: 2_000, interval: 50 }).toBe("cold");
    const again = await get(`${gateway.url}/health`);
    expect(again.ms).toBeGreaterThanOrEqual(280);
    expect(gateway.stats.coldStarts).toBe(2);
    expect(gateway.stats.events.map((e) => e.kind)).toContain("scaled-to-zero");
  });
});
