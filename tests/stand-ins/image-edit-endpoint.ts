/**
 * A stand-in of a deployed image-edit endpoint on 127.0.0.1, for the MCP and client tests (Modal
 * and a GPU are out of reach). Its routes, bodies and refusals are those of the shim's own runtime
 * (infra/render/image_edit_runtime.py, which tests/image-edit runs for real on CPU): the job API
 * (`POST /v1/jobs` → 202 + Location, `GET /v1/jobs/{id}` with step/steps/progress, `GET .../result`
 * → image/png, `DELETE`), Modal's proxy auth in front (401 `modal-http: missing credentials for
 * proxy authorization` without Modal-Key/Modal-Secret, modal.com/docs/guide/webhook-proxy-auth),
 * and the awkward parts: 503s while the web function starts from zero, a job that stays `queued`
 * while the GPU container boots, one denoising step per poll, and jobs that can fail.
 * The "edit" it makes is the first input with its colours inverted (sharp), so a test can tell.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import sharp from "sharp";

/** Knobs for the awkward behaviours. */
export interface ImageEditStandInOptions {
  /** Answer the first N requests with 503 (web function cold start). */
  coldStart503?: number;
  /** Polls a job stays `queued` (GPU container cold start). */
  queuedPolls?: number;
  /** Make every job fail with this error (e.g. an out-of-memory). */
  failWith?: string;
  maxInputImages?: number;
  defaultSteps?: number;
  maxSteps?: number;
  /** Served model name, listed by /v1/models. Default `qwen-image-edit`. */
  model?: string;
  /** Proxy-auth credentials it requires. Default {@link STAND_IN_TOKEN}. */
  proxyAuth?: { id: string; secret: string };
}

interface Job {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed";
  step: number;
  steps: number;
  polls: number;
  input: Buffer;
  /** Requested output size, `[width, height]`. */
  size?: [number, number];
  seed?: number;
  prompt: string;
  error?: string;
}

/** A running stand-in. */
export interface ImageEditStandIn {
  /** Root URL (what the endpoint config's `url` holds). */
  url: string;
  /** Every request seen: method, path, status answered. */
  requests: { method: string; path: string; status: number }[];
  /** Jobs by id (deleted ones are removed). */
  jobs: Map<string, Job>;
  close(): Promise<void>;
}

export const STAND_IN_TOKEN = { id: "stand-in-id", secret: "stand-in-secret" };

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

const refuse = (res: ServerResponse, message: string) => json(res, 400, { error: { message, type: "InvalidParameter" }, code: "InvalidParameter", message });

function view(job: Job) {
  return { id: job.id, object: "image.edit.job", status: job.status, step: job.step, steps: job.steps, progress: job.step / job.steps, ...(job.error ? { error: job.error } : {}) };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the stand-in on 127.0.0.1 (a free port). */
export async function startImageEditStandIn(options: ImageEditStandInOptions = {}): Promise<ImageEditStandIn> {
  const maxImages = options.maxInputImages ?? 2;
  const maxSteps = options.maxSteps ?? 100;
  const jobs = new Map<string, Job>();
  const requests: ImageEditStandIn["requests"] = [];
  let coldLeft = options.coldStart503 ?? 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://stand-in").pathname;
    if (coldLeft > 0) {
      coldLeft -= 1;
      res.writeHead(503, { "content-type": "text/plain" }).end("modal-http: app is starting");
      return;
    }
    const token = options.proxyAuth ?? STAND_IN_TOKEN;
    if (req.headers["modal-key"] !== token.id || req.headers["modal-secret"] !== token.secret) {
      res.writeHead(401, { "content-type": "text/plain" }).end("modal-http: missing credentials for proxy authorization");
      return;
    }
    if (req.method === "GET" && path === "/health") return json(res, 200, { status: "ok", model: options.model ?? "qwen-image-edit" });
    if (req.method === "GET" && path === "/v1/models") return json(res, 200, { object: "list", data: [{ id: options.model ?? "qwen-image-edit", object: "model" }] });
    const match = /^\/v1\/jobs(?:\/([0-9a-f]{32})(\/result)?)?$/.exec(path);
    if (!match) return json(res, 404, { error: { message: "Not Found" } });
    const [, id, result] = match;
    if (!id && req.method === "POST") {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse((await readBody(req)).toString("utf8"));
      } catch {
        return refuse(res, "body: must be JSON");
      }
      const images = body.images;
      if (typeof body.prompt !== "string" || !body.prompt.trim()) return refuse(res, "prompt: must be a non-empty string");
      if (!Array.isArray(images) || images.length === 0) return refuse(res, `images: send 1 to ${maxImages} images to edit`);
      if (images.length > maxImages) return refuse(res, `images: got ${images.length}; this deployment takes at most ${maxImages}`);
      const steps = body.steps ?? options.defaultSteps ?? 40;
      if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1 || steps > maxSteps) return refuse(res, `steps: got ${steps}; must be an integer from 1 to ${maxSteps}`);
      const size = typeof body.size === "string" ? /^(\d+)x(\d+)$/.exec(body.size) : null;
      const input = Buffer.from(String(images[0]).replace(/^data:[^,]*,/, ""), "base64");
      const job: Job = { id: randomUUID().replace(/-/g, ""), status: "queued", step: 0, steps, polls: 0, input, prompt: body.prompt, seed: body.seed as number | undefined, ...(size ? { size: [Number(size[1]), Number(size[2])] as [number, number] } : {}) };
      jobs.set(job.id, job);
      return json(res, 202, view(job), { location: `/v1/jobs/${job.id}` });
    }
    const job = id ? jobs.get(id) : undefined;
    if (!job) return json(res, 404, { error: { message: `job ${id} not found or expired`, type: "NotFound" } });
    if (req.method === "DELETE") {
      jobs.delete(job.id);
      return json(res, 200, { id: job.id, object: "image.edit.job", deleted: true });
    }
    if (result) {
      if (job.status !== "succeeded") return json(res, 409, { error: { message: `job ${job.id} is ${job.status}`, type: "NotReady" } });
      const edited = sharp(job.input).negate({ alpha: false });
      const png = await (job.size ? edited.resize(job.size[0], job.size[1], { fit: "fill" }) : edited).png().toBuffer();
      res.writeHead(200, { "content-type": "image/png" }).end(png);
      return;
    }
    // One poll = one denoising step, after `queuedPolls` polls of a booting GPU container.
    job.polls += 1;
    if (job.status === "queued" && job.polls > (options.queuedPolls ?? 0)) job.status = "running";
    else if (job.status === "running") {
      if (options.failWith) Object.assign(job, { status: "failed", error: options.failWith });
      else if (++job.step >= job.steps) job.status = "succeeded";
    }
    return json(res, 200, view(job));
  };

  const server = createServer((req, res) => {
    const method = req.method ?? "GET";
    res.on("finish", () => requests.push({ method, path: new URL(req.url ?? "/", "http://stand-in").pathname, status: res.statusCode }));
    handle(req, res).catch((err: Error) => json(res, 500, { error: { message: err.message } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    jobs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A running stand-in of the bearer-checked `images` function (qwen-code's image_gen route). */
export interface ImageGenStandIn {
  /** Root URL, `https://127.0.0.1:<port>`; qwen-code's `baseUrl` is this + `/v1`. */
  url: string;
  /** Every request: method, path, headers, parsed JSON body, status. */
  requests: { method: string; path: string; headers: IncomingMessage["headers"]; body: unknown; status: number }[];
  close(): Promise<void>;
}

/**
 * Starts an HTTPS stand-in of the `images` function on 127.0.0.1: `POST
 * /v1/services/aigc/multimodal-generation/generation` in the DashScope shape (checked against
 * what the shim's runtime accepts: input.messages[].content[] parts, parameters.n 1, size `W*H`),
 * `Authorization: Bearer <apiKey>` required (401 `InvalidApiKey` otherwise), answered with an image
 * URL under `/v1/files/` that serves a PNG without credentials.
 * @param tls - PEM key and certificate for 127.0.0.1 (clients trust it via NODE_EXTRA_CA_CERTS).
 */
export async function startImageGenStandIn(tls: { key: string; cert: string }, apiKey: string): Promise<ImageGenStandIn> {
  const { createServer: createHttpsServer } = await import("node:https");
  const requests: ImageGenStandIn["requests"] = [];
  let url = "";
  const server = createHttpsServer(tls, (req, res) => {
    const path = new URL(req.url ?? "/", "https://stand-in").pathname;
    const answer = (status: number, type: string, body: string | Buffer, parsed?: unknown) => {
      requests.push({ method: req.method ?? "GET", path, headers: req.headers, body: parsed, status });
      res.writeHead(status, { "content-type": type }).end(body);
    };
    (async () => {
      const raw = await readBody(req);
      let parsed: unknown;
      try {
        parsed = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
      } catch {
        parsed = undefined;
      }
      if (req.method === "GET" && path.startsWith("/v1/files/")) {
        return answer(200, "image/png", await sharp({ create: { width: 256, height: 256, channels: 3, background: "#c00" } }).png().toBuffer());
      }
      if (req.method !== "POST" || path !== "/v1/services/aigc/multimodal-generation/generation") return answer(404, "application/json", '{"code":"NotFound"}', parsed);
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        return answer(401, "application/json", JSON.stringify({ code: "InvalidApiKey", message: "missing or wrong Authorization: Bearer key" }), parsed);
      }
      const body = parsed as { input?: { messages?: { content?: { text?: string }[] }[] }; parameters?: { n?: number } } | undefined;
      const text = body?.input?.messages?.flatMap((m) => m.content ?? []).find((p) => typeof p.text === "string")?.text;
      if (!text || (body?.parameters?.n ?? 1) !== 1) {
        return answer(400, "application/json", JSON.stringify({ code: "InvalidParameter", message: "prompt: must be a non-empty string" }), parsed);
      }
      const id = randomUUID().replace(/-/g, "");
      const reply = { output: { choices: [{ finish_reason: "stop", message: { role: "assistant", content: [{ image: `${url}/v1/files/${id}/tok.png` }] } }] }, usage: { image_count: 1 }, request_id: id };
      return answer(200, "application/json", JSON.stringify(reply), parsed);
    })().catch((err: Error) => answer(500, "text/plain", err.message));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
