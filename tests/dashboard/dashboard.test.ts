import { request } from "node:http";
import { join } from "node:path";
import sharp from "sharp";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendDeployEvent } from "../../infra/provider/deploy-events";
import { chromiumAvailable, launchChromium } from "../support/chromium";
import { runCli } from "../support/cli";
import { CODER_CODE, dashboardApi, ECHO_HEADERS_PROMPT, HOSTILE_PROMPT, PROXY, startDashboardWorld, type DashboardWorld } from "./harness";
import { openEventStream } from "./event-stream";


/** A raw GET with any Host/Origin (fetch forbids setting Host). */
function rawGet(origin: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("dashboard server: token, Host and Origin checks (modal CLI stand-in, vLLM stand-ins)", () => {
  let world: DashboardWorld;
  beforeAll(async () => {
    world = await startDashboardWorld({ refreshSeconds: 5 });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("refuses a request without the token (as a Bearer header), with a wrong token, a foreign Origin or a foreign Host; sets no cookie", async () => {
    const { origin, token } = world;
    const host = new URL(origin).host;
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    expect((await rawGet(origin, "/api/state", { host })).status).toBe(403);
    expect((await rawGet(origin, "/api/events", { host })).status).toBe(403);
    expect((await rawGet(origin, `/api/state?token=${token}`, { host })).status).toBe(403); // the query is no way in
    expect((await rawGet(origin, "/api/state", { host, ...bearer(`${token.slice(0, -1)}x`) })).status).toBe(403);
    expect((await rawGet(origin, "/nothing-here", { host })).status).toBe(403); // only the page's own files load without it
    const foreignOrigin = await rawGet(origin, "/api/state", { host, origin: "http://evil.example", ...bearer(token) });
    expect(foreignOrigin).toEqual({ status: 403, body: 'refused: Origin "http://evil.example" is not this dashboard' });
    const rebinding = await rawGet(origin, "/api/state", { host: `evil.example:${new URL(origin).port}`, ...bearer(token) });
    expect(rebinding.status).toBe(403);
    expect(rebinding.body).toContain("DNS rebinding");
    const ok = await dashboardApi(world, "/api/state", undefined, { origin });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("set-cookie")).toBeNull();
    const page = await rawGet(origin, "/", { host });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(token);
  });

  it("looks deployments up by own name only: __proto__ and constructor are unknown, and modal is never asked for their logs", async () => {
    const stream = await openEventStream(world);
    for (const name of ["__proto__", "constructor", "toString"]) {
      const logs = await dashboardApi(world, "/api/logs", { deployment: name, stream: stream.id });
      expect(logs.status).toBe(404);
      expect((await logs.json()).error).toBe(`no deployment "${name}"`);
      expect((await dashboardApi(world, `/api/wake/${name}`, {})).status).toBe(404);
      expect((await dashboardApi(world, "/api/chat", { deployment: name, stream: stream.id, messages: [{ role: "user", content: "hi" }] })).status).toBe(404);
    }
    stream.close();
    expect((await world.modal.calls()).filter((c) => c.argv[1] === "logs")).toEqual([]);
  });

  it("playground calls: a bad body names the field; an endpoint's refusal and an echo of the credentials reach the stream redacted", async () => {
    const stream = await openEventStream(world);
    const chat = (content: string) => dashboardApi(world, "/api/chat", { stream: stream.id, messages: [{ role: "user", content }] });
    const bad = await dashboardApi(world, "/api/chat", { stream: stream.id, messages: [] });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/^bad chat request: .*messages/s);
    expect((await dashboardApi(world, "/api/chat", { messages: [{ role: "user", content: "hi" }], stream: "gone" })).status).toBe(409);
    expect((await dashboardApi(world, "/api/wake/nope", {})).status).toBe(404);

    world.coder.setFault({ status: 401, body: `modal-http: invalid credentials ${PROXY.tokenId} ${PROXY.tokenSecret}` });
    const refused = (await (await chat("hi")).json()).chat;
    const refusal = await stream.next((event, data) => event === "chat-end" && data.chat === refused);
    world.coder.setFault(null);
    expect(refusal.error).toBe("HTTP 401: modal-http: invalid credentials [redacted] [redacted]");

    const echoed = (await (await chat(ECHO_HEADERS_PROMPT)).json()).chat;
    await stream.next((event, data) => event === "chat-end" && data.chat === echoed);
    const deltas = stream.events.filter((e) => e.event === "chat" && (e.data as { chat: string }).chat === echoed).map((e) => (e.data as { content?: string }).content).join("");
    expect(deltas).toBe("You sent Modal-Key: [redacted] and Modal-Secret: [redacted]");
    stream.close();
    const everything = stream.events.map((e) => e.raw).join("\n");
    for (const secret of [PROXY.tokenId, PROXY.tokenSecret]) expect(everything).not.toContain(secret);
  });

  it("answers a bad --port and a port in use with one line", async () => {
    const bad = await runCli(["dashboard", "--port", "http"]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.trim()).toBe('error: --port must be a whole number 0–65535 (got "http")');
    const port = new URL(world.origin).port;
    const taken = await runCli(["dashboard", "--port", port, "--no-open", "--config", join(world.dir, "endpoints.json"), "--dotenv", join(world.dir, ".env")]);
    expect(taken.exitCode).toBe(1);
    expect(taken.stderr.trim()).toBe(`error: port ${port} on 127.0.0.1 is in use: pass --port with another number (0 picks a free one)`);
  });
});

describe.runIf(chromiumAvailable())("dashboard in headless Chromium (modal CLI stand-in, vLLM stand-ins)", () => {
  let world: DashboardWorld;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    world = await startDashboardWorld();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it("refuses the page in the browser without the token", async () => {
    const stranger = await browser.newPage();
    const response = await stranger.goto(`${world.origin}/`);
    expect(response?.status()).toBe(200); // the page itself holds nothing; every call needs the token
    await expect.poll(() => stranger.textContent("#restarted"), { timeout: 10_000 }).toContain("This tab has no valid token");
    expect(await stranger.$$("#deployments .card")).toEqual([]);
    await stranger.close();
  });

  it("loads with the token and shows both deployments: the coder warm, the VLM scaled to zero and not woken", async () => {
    const response = await page.goto(world.url);
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).hash).toBe(""); // the token moved from the fragment into this origin's localStorage
    await expect.poll(() => page.textContent("#card-coder [data-role=state]"), { timeout: 15_000 }).toBe("warm · 1 container");
    await expect.poll(() => page.textContent("#card-vlm [data-role=state]"), { timeout: 15_000 }).toBe("scaled to zero");
    expect(await page.textContent("#card-coder .model")).toContain("unsloth/Qwen3-Coder-Next-FP8-Dynamic");
    expect(await page.textContent("#card-vlm .url")).toBe(world.vlm.url);
    await expect.poll(() => page.textContent("#card-coder .facts"), { timeout: 30_000 }).toContain("H200"); // plan figures arrive
    expect(await page.textContent("#card-vlm")).toContain("Wake (starts a container)");
    expect(world.vlm.requests).toHaveLength(0);
    const calls = await world.modal.calls();
    expect(calls.some((c) => c.argv.join(" ") === "app list --json")).toBe(true);
    expect(calls.every((c) => !c.modalEnv.some((k) => k.startsWith("MODAL_PROXY_")))).toBe(true);
  });

  it("updates a metric over SSE", async () => {
    await expect.poll(() => page.textContent("#card-coder [data-chart=kv] .now"), { timeout: 15_000 }).toBe("12.5%");
    world.setCoderMetrics({ running: 3, waiting: 2, kvCacheUsage: 0.625, promptTokens: 5000, generationTokens: 2500 });
    await expect.poll(() => page.textContent("#card-coder [data-chart=kv] .now"), { timeout: 15_000 }).toBe("62.5%");
    await expect.poll(() => page.textContent("#card-coder [data-chart=requests] .now"), { timeout: 15_000 }).toBe("3 run · 2 wait");
    expect(await page.isVisible("#card-coder [data-chart=kv] canvas")).toBe(true);
    const metricsRequests = world.coder.requests.filter((r) => r.path === "/metrics");
    expect(metricsRequests.every((r) => r.headers["modal-key"] === PROXY.tokenId)).toBe(true);
  });

  it("shows a pulumi up deploy as it happens, from the deploy-events file", async () => {
    appendDeployEvent(world.eventsPath, { app: "qcm-vlm", kind: "start", op: "deploy" });
    appendDeployEvent(world.eventsPath, { app: "qcm-vlm", kind: "line", text: "✓ Created objects." });
    await expect.poll(() => page.getAttribute("#card-vlm .progress", "data-phase"), { timeout: 10_000 }).toBe("objects");
    expect(await page.textContent("#card-vlm .progress")).toContain("50%");
    appendDeployEvent(world.eventsPath, { app: "qcm-vlm", kind: "done", op: "deploy", urls: { serve: world.vlm.url } });
    await expect.poll(() => page.getAttribute("#card-vlm .progress", "data-phase"), { timeout: 10_000 }).toBe("deployed");
    expect(await page.textContent("#deploy-lines")).toContain("qcm-vlm ✓ Created objects.");
  });

  it("streams a chat answer from the coder", async () => {
    await page.fill("#chat-input", "Write an add function in Python.");
    await page.click("#chat-send");
    await expect.poll(() => page.textContent("#chat [data-role=answer] pre code"), { timeout: 15_000 }).toBe(CODER_CODE);
    expect(await page.textContent("#chat [data-role=answer] strong")).toBe("add"); // markdown rendered
    expect(await page.getAttribute("#chat [data-role=answer]", "data-finish")).toBe("stop");
    const [sent] = world.coder.completions();
    expect(sent.body).toMatchObject({ model: "qwen3-coder-next", stream: true, messages: [{ role: "user", content: "Write an add function in Python." }] });
  });

  it("renders a hostile markdown answer as text: no script runs, no element from the answer's HTML", async () => {
    await page.fill("#chat-input", HOSTILE_PROMPT);
    await page.click("#chat-send");
    const answer = "#chat [data-role=answer]:last-child [data-role=answer-text]";
    await expect.poll(() => page.textContent(answer), { timeout: 15_000 }).toContain("bold</b>");
    expect(await page.textContent(answer)).toContain("<script>window.__pwned = 1</script>");
    expect(await page.$$(`${answer} script, ${answer} img, ${answer} b, ${answer} a`)).toEqual([]);
    await page.hover(answer);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it("follows the app's logs", async () => {
    await page.selectOption("#logs-deployment", "coder");
    await page.click("#logs-follow");
    await expect.poll(() => page.textContent("#logs"), { timeout: 15_000 }).toContain("stand-in log: qcm-coder INFO: Application startup complete.");
    const logCall = (await world.modal.calls()).find((c) => c.argv[0] === "app" && c.argv[1] === "logs");
    expect(logCall?.argv).toEqual(["app", "logs", "qcm-coder", "--follow"]);
  });

  it("answers an image question dropped on the VLM panel, asked through the vlm-analyzer MCP server", async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#d03020" } }).png().toBuffer();
    await page.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], "red.png", { type: "image/png" }));
      document.getElementById("drop")!.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    }, png.toString("base64"));
    await expect.poll(() => page.textContent("#drop-text"), { timeout: 5_000 }).toContain("red.png");
    await page.fill("#vlm-question", "What colour is this?");
    await page.click("#vlm-ask");
    await expect.poll(() => page.textContent("#vlm-answer [data-role=vlm-answer]"), { timeout: 30_000 }).toContain("stand-in answer: 1 image(s)");
    expect(await page.textContent("#vlm-answer [data-role=vlm-answer]")).toContain("for prompt: What colour is this?");
    expect(world.vlm.completions()[0].images).toEqual([expect.objectContaining({ width: 64, height: 48 })]);
  });

  it("never sends the proxy credentials to the page", async () => {
    const state = await page.evaluate((token) => fetch("/api/state", { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text()), world.token);
    const html = await page.content();
    for (const secret of [PROXY.tokenId, PROXY.tokenSecret, "as-dash1"]) {
      expect(state).not.toContain(secret);
      expect(html).not.toContain(secret);
    }
    expect(world.output()).toContain("dashboard: http://127.0.0.1:");
    expect(world.output()).not.toContain(PROXY.tokenSecret);
    expect(pageErrors).toEqual([]);
  });
});
