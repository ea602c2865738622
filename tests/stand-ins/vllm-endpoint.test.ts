import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVllmStandIn, type VllmStandIn } from "./vllm-endpoint.js";

const AUTH = { "Modal-Key": "stand-in-id", "Modal-Secret": "stand-in-secret", "content-type": "application/json" };

async function pngDataUrl(width: number, height: number): Promise<string> {
  const png = await sharp({ create: { width, height, channels: 3, background: "#c0392b" } }).png().toBuffer();
  return `data:image/png;base64,${png.toString("base64")}`;
}

function chat(images: string[], extra: object = {}) {
  return {
    model: "qwen3-vl",
    messages: [
      {
        role: "user",
        content: [...images.map((u) => ({ type: "image_url", image_url: { url: u } })), { type: "text", text: "what is it?" }],
      },
    ],
    ...extra,
  };
}

describe("vLLM endpoint stand-in (self-check of the test double)", () => {
  let standIn: VllmStandIn;
  beforeAll(async () => {
    standIn = await startVllmStandIn({ maxVisualTokensPerImage: 1280 });
  });
  afterAll(() => standIn.close());

  const post = (body: unknown, headers: Record<string, string> = AUTH) =>
    fetch(`${standIn.baseUrl}/chat/completions`, { method: "POST", headers, body: JSON.stringify(body) });

  it("answers 401 without the Modal proxy-auth headers and 200 with them", async () => {
    const img = await pngDataUrl(64, 48);
    const denied = await post(chat([img]), { "content-type": "application/json" });
    expect(denied.status).toBe(401);
    const ok = await post(chat([img]));
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { choices: { message: { content: string; reasoning_content: string } }[] };
    expect(body.choices[0].message.content).toBe("stand-in answer: 1 image(s) [png 64x48] for prompt: what is it?");
    expect(body.choices[0].message.reasoning_content).toContain("what is it?");
    expect(standIn.requests.at(-1)?.images).toEqual([
      expect.objectContaining({ format: "png", width: 64, height: 48, visualTokens: 4 }),
    ]);
  });

  it("rejects an unknown key, a wrong model, an oversized image and a 6th image with 4xx", async () => {
    const small = await pngDataUrl(32, 32);
    expect((await post(chat([small], { temprature: 1 }))).status).toBe(400);
    expect((await post({ ...chat([small]), model: "gpt-4o" })).status).toBe(404);
    const big = await post(chat([await pngDataUrl(2000, 1000)]));
    expect(big.status).toBe(400);
    expect(((await big.json()) as { message: string }).message).toContain("did not resize");
    const six = await post(chat(Array(6).fill(small)));
    expect(six.status).toBe(400);
    const notImage = await post(chat(["data:image/png;base64,aGVsbG8="]));
    expect(notImage.status).toBe(400);
  });

  it("streams server-sent events ending with [DONE]", async () => {
    const res = await post(chat([await pngDataUrl(40, 40)], { stream: true, stream_options: { include_usage: true } }));
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const text = await res.text();
    const events = text.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const deltas = events.slice(0, -1).map((e) => JSON.parse(e.slice("data: ".length)));
    const content = deltas.map((d) => d.choices[0]?.delta?.content ?? "").join("");
    expect(content).toBe("stand-in answer: 1 image(s) [png 40x40] for prompt: what is it?");
    expect(deltas.at(-1).usage.total_tokens).toBeGreaterThan(0);
  });

  it("answers 503 for the next N requests, then recovers; lists the model", async () => {
    standIn.setFault({ status: 503, requests: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${standIn.baseUrl}/models`, { headers: AUTH })).status);
    expect(statuses).toEqual([503, 503, 200]);
    const models = (await (await fetch(`${standIn.baseUrl}/models`, { headers: AUTH })).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(["qwen3-vl"]);
  });

  it("hangs when told to, until closed", async () => {
    standIn.setFault({ hang: true, requests: 1 });
    const res = await fetch(`${standIn.url}/health`, { headers: AUTH, signal: AbortSignal.timeout(300) }).catch((e: Error) => e);
    expect(res).toBeInstanceOf(Error);
    expect((await fetch(`${standIn.url}/health`, { headers: AUTH })).status).toBe(200);
  });
});
