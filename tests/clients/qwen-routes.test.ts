/**
 * The real qwen-code 0.24.4 CLI (node_modules/.bin/qwen, through the qodal wrapper `install`
 * wrote) takes both routes `install` configures: a pasted image goes through the vision bridge to
 * the VLM (`visionModel`), and the `image_gen` tool goes to the image-edit deployment's bearer route
 * (`imageModel`). Stand-ins: the vLLM endpoints (coder and VLM, HTTP) and the image-edit `images`
 * function (HTTPS with a certificate made for the test: qwen-code refuses a non-HTTPS image route).
 */
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEndpointContext } from "../../infra/endpoints/context";
import { install } from "../../infra/clients/install";
import { projectRoot } from "../../infra/core/paths";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startImageGenStandIn, type ImageGenStandIn } from "../stand-ins/image-edit-endpoint";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";

const TOKEN_ID = "wk-routes-id";
const TOKEN_SECRET = "ws-routes-secret";
const IMAGE_KEY = "k-img-test1";
const QWEN = join(projectRoot(), "node_modules", ".bin", "qwen");

describe("real qwen-code 0.24.4: visionModel and imageModel routes (vLLM and image-edit stand-ins)", () => {
  let home: string;
  let coder: VllmStandIn;
  let vlm: VllmStandIn;
  let images: ImageGenStandIn;
  let qodal: string;
  let caFile: string;
  let settingsPath: string;
  const runQodal = (args: string[]) =>
    execa(qodal, args, {
      cwd: home,
      env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, NODE_EXTRA_CA_CERTS: caFile },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "qcm-routes-"));
    const keyFile = join(home, "key.pem");
    caFile = join(home, "cert.pem");
    await execa("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", caFile, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]);
    images = await startImageGenStandIn({ key: await readFile(keyFile, "utf8"), cert: await readFile(caFile, "utf8") }, IMAGE_KEY);
    const proxyAuth = { tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET };
    vlm = await startVllmStandIn({
      model: "qwen3-vl-32b-thinking",
      proxyAuth,
      respond: (ctx) => ({ content: `VLM transcript: ${ctx.images.length} image(s), ${ctx.images.map((i) => `${i.width}x${i.height}`).join(", ")}` }),
    });
    coder = await startVllmStandIn({
      model: "qwen3-coder-next",
      proxyAuth,
      respond: (ctx) => {
        const messages = ctx.request.messages as { role: string; content: unknown }[];
        const last = messages[messages.length - 1];
        if (last.role === "tool") return { content: `coder saw tool result: ${JSON.stringify(last.content)}` };
        if (ctx.prompt.includes("draw")) return { content: "", toolCalls: [{ id: "call_1", name: "image_gen", arguments: JSON.stringify({ prompt: "a red apple on a table", size: "1024*1024" }) }] };
        return { content: `coder saw: ${JSON.stringify(messages.filter((m) => m.role === "user").map((m) => m.content))}` };
      },
    });
    const configPath = join(home, "endpoints.json");
    const written = await writeStandInEndpointConfig(configPath, { coder, vlm });
    // The image-edit deployment as pulumi up exports it, its bearer route at the HTTPS stand-in.
    const imageEdits = {
      "image-edit": {
        role: "image-edit", app: "qcm-image-edit", url: "http://127.0.0.1:9", model: "qwen-image-edit", modelId: "Qwen/Qwen-Image-Edit-2511",
        maxInputImages: 2, defaultSteps: 40, maxSteps: 100, imageGenBaseUrl: `${images.url}/v1`, imageGenKeyEnv: "QCM_IMAGE_API_KEY",
      },
    };
    await writeFile(configPath, JSON.stringify({ ...written, imageEdits }));
    const envFile = join(home, "project.env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${TOKEN_ID}\nMODAL_PROXY_TOKEN_SECRET=${TOKEN_SECRET}\nQCM_IMAGE_API_KEY=${IMAGE_KEY}\n`);
    settingsPath = join(home, ".qwen", "settings.json");
    await mkdir(dirname(settingsPath), { recursive: true });
    await writeFile(settingsPath, JSON.stringify({ general: { enableAutoUpdate: false } }));
    qodal = join(home, ".local", "bin", "qodal");
    const lines: string[] = [];
    const context = await loadEndpointContext({ config: configPath, "env-file": envFile });
    await install(context, { settingsPath, qodalPath: qodal, qwenBin: QWEN, configPath, claudeConfigDir: join(home, ".claude") }, (l) => lines.push(l));
    expect(lines.join("\n")).toContain("images pasted into a session go to qwen3-vl-32b-thinking (visionModel); image_gen uses qwen-image-edit (imageModel)");
    await writeFile(join(home, "shot.png"), await sharp({ create: { width: 320, height: 200, channels: 3, background: "#08f" } }).png().toBuffer());
  }, 120_000);
  afterAll(async () => {
    await coder?.close();
    await vlm?.close();
    await images?.close();
  });

  it("install writes visionModel, imageModel and their provider routes as 0.24.4 reads them", async () => {
    const settings = JSON.parse(await readFile(settingsPath, "utf8"));
    expect(settings.visionModel).toBe("qwen3-vl-32b-thinking");
    expect(settings.imageModel).toBe("qwen-image-edit");
    const byId = Object.fromEntries(settings.modelProviders.openai.map((p: { id: string }) => [p.id, p]));
    expect(byId["qwen3-vl-32b-thinking"]).toMatchObject({ baseUrl: vlm.baseUrl, capabilities: { vision: true }, generationConfig: { modalities: { image: true }, customHeaders: { "Modal-Key": "${MODAL_PROXY_TOKEN_ID}" } } });
    expect(byId["qwen-image-edit"]).toEqual({
      id: "qwen-image-edit", name: "qwen-image-edit on Modal (Qwen/Qwen-Image-Edit-2511)", baseUrl: `${images.url}/v1`, envKey: "QCM_IMAGE_API_KEY", supportsImageGeneration: true, imageOnly: true,
    });
    expect(JSON.stringify(settings)).not.toContain(IMAGE_KEY);
  });

  it("a pasted image goes to the VLM through the vision bridge; the coder gets the transcript, not the image", async () => {
    const result = await runQodal(["-p", "What does @shot.png show?"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const vlmCalls = vlm.completions();
    expect(vlmCalls.length, "the VLM got no request").toBeGreaterThan(0);
    expect(vlmCalls[0].images.length).toBe(1);
    expect(vlmCalls[0].headers["modal-secret"]).toBe(TOKEN_SECRET);
    const coderBodies = coder.completions().map((r) => JSON.stringify(r.body));
    expect(coderBodies.some((b) => b.includes("VLM transcript: 1 image(s)"))).toBe(true);
    expect(coderBodies.some((b) => b.includes("image_url"))).toBe(false);
  }, 150_000);

  it("image_gen posts qwen-code's DashScope body with the Bearer key to the image-edit route, then refuses the loopback download URL", async () => {
    const result = await runQodal(["-p", "Please draw an apple.", "--approval-mode", "yolo"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const post = images.requests.find((r) => r.method === "POST");
    expect(post, `no image_gen request reached the stand-in; stdout: ${result.stdout}`).toBeDefined();
    expect(post!.path).toBe("/v1/services/aigc/multimodal-generation/generation");
    expect(post!.headers.authorization).toBe(`Bearer ${IMAGE_KEY}`);
    expect(post!.headers["modal-key"]).toBeUndefined();
    expect(post!.body).toEqual({
      model: "qwen-image-edit",
      input: { messages: [{ role: "user", content: [{ text: "a red apple on a table" }] }] },
      parameters: { n: 1, prompt_extend: true, watermark: false, size: "1024*1024" },
    });
    expect(post!.status).toBe(200);
    // qwen-code downloads only from public HTTPS hosts (validateResultUrl, chunk-YVD6XEO3.js:419):
    // the stand-in's 127.0.0.1 URL is refused, which a *.modal.run URL is not.
    const bodies = coder.completions().map((r) => JSON.stringify(r.body));
    const toolResult = bodies.find((b) => b.includes("not a safe public HTTPS URL"));
    expect(toolResult, `the coder never saw image_gen's result; last request: ${bodies.at(-1)?.slice(-1500)}`).toBeDefined();
    expect(images.requests.filter((r) => r.method === "GET")).toEqual([]);
  }, 150_000);
});
