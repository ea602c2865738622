/**
 * A local stand-in for a deployed vLLM endpoint on Modal: a real HTTP server on 127.0.0.1
 * (ephemeral port) speaking the OpenAI-compatible API that vLLM serves — `POST /v1/chat/completions`
 * (whole and streamed), `GET /v1/models`, `GET /health` — behind Modal proxy auth (`Modal-Key` /
 * `Modal-Secret`, else 401 as Modal answers). It is a stand-in, not a model: answers are canned or
 * supplied by the test.
 *
 * The core is meant to be extended: pass extra `routes` (matched before the built-in ones), a
 * `respond` function for what the model says (tool calls included), and change `fault` at any time
 * to simulate a cold start (503 for N requests or for a while), a 401, a 500, or a hang.
 *
 * ```ts
 * const standIn = await startVllmStandIn({ proxyAuth: { tokenId: "id", tokenSecret: "secret" } });
 * standIn.setFault({ status: 503, requests: 3 });
 * // ... point a client at standIn.baseUrl ...
 * standIn.requests.filter((r) => r.path === "/v1/chat/completions");
 * await standIn.close();
 * ```
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { BadRequest, checkChatRequest, lastUserText, type ChatRequest, type ReceivedImage } from "./chat-request.js";
import { sendCompletion, streamCompletion, type ChatReply, type ReasoningStyle } from "./chat-response.js";

/** Modal proxy-auth credentials the stand-in requires (header names: `Modal-Key`, `Modal-Secret`). */
export interface StandInProxyAuth {
  tokenId: string;
  tokenSecret: string;
}

/**
 * A simulated failure, applied to every request (any path) while active.
 * - `{ status, body?, requests?, forMs? }`: answer with that status, for the next `requests`
 *   requests and/or for `forMs` milliseconds from when it was set (neither: until cleared).
 * - `{ hang: true, requests? }`: accept the request and never answer (until `close()`).
 */
export type StandInFault =
  | { status: number; body?: string; requests?: number; forMs?: number }
  | { hang: true; requests?: number };

/** One request as the stand-in saw it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Request headers (lower-case names). */
  headers: IncomingMessage["headers"];
  /** Parsed JSON body, or undefined when there was none or it was not JSON. */
  body: unknown;
  /** Images found in a chat-completions body that passed the checks. */
  images: ReceivedImage[];
  /** Status answered; undefined while hanging or not answered yet. */
  status?: number;
  /** `performance.now()` when it arrived, milliseconds. */
  at: number;
}

/** What a route handler gets. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  record: RecordedRequest;
  standIn: VllmStandIn;
  /** Sends a JSON body with a status. */
  json(status: number, body: unknown): void;
}

/** An extra route; `path` is matched exactly against the path without query string. */
export interface StandInRoute {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  handle(ctx: RouteContext): void | Promise<void>;
}

/** What a `respond` function gets for a valid chat-completions request. */
export interface ChatContext {
  request: ChatRequest;
  images: ReceivedImage[];
  /** Text of the last user message. */
  prompt: string;
  record: RecordedRequest;
}

/** Options of {@link startVllmStandIn}; every field has a default. */
export interface StandInOptions {
  /** Required credentials; `false` turns proxy auth off. Default `{ tokenId: "stand-in-id", tokenSecret: "stand-in-secret" }`. */
  proxyAuth?: StandInProxyAuth | false;
  /** Served model name (`model` in requests, listed by /v1/models). Default `qwen3-vl`. */
  model?: string;
  /** Default 5 (the VLM deployment's `--limit-mm-per-prompt`). */
  maxImagesPerPrompt?: number;
  /** Most visual tokens per image before the stand-in says the client did not resize. Default 16384. */
  maxVisualTokensPerImage?: number;
  /** Where reasoning goes in replies. Default `reasoning_content`. */
  reasoningStyle?: ReasoningStyle;
  /** What the model says; default {@link describeImages}. */
  respond?: (ctx: ChatContext) => ChatReply | Promise<ChatReply>;
  /** Extra routes, matched before the built-in ones. */
  routes?: StandInRoute[];
  /** Fault active from the start. */
  fault?: StandInFault;
}

/** A running stand-in. */
export interface VllmStandIn {
  /** Root URL, `http://127.0.0.1:<port>` (like a Modal endpoint's `url`). */
  url: string;
  /** OpenAI base URL, `url + "/v1"`. */
  baseUrl: string;
  /** Served model name. */
  model: string;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Sets (or with `null` clears) the simulated failure. */
  setFault(fault: StandInFault | null): void;
  /** Requests to `/v1/chat/completions` that were answered 200. */
  completions(): RecordedRequest[];
  /** Stops listening and drops open (e.g. hanging) connections. */
  close(): Promise<void>;
}

/** The default reply: names the prompt and each image's format and size, with a little reasoning. */
export function describeImages(ctx: ChatContext): ChatReply {
  const list = ctx.images.map((i) => `${i.format} ${i.width}x${i.height}`).join(", ");
  return {
    reasoning: `The user asks: ${ctx.prompt}. I look at ${ctx.images.length} image(s).`,
    content: `stand-in answer: ${ctx.images.length} image(s) [${list}] for prompt: ${ctx.prompt}`,
  };
}

interface ActiveFault {
  fault: StandInFault;
  remaining: number;
  until: number;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Starts the stand-in on 127.0.0.1 with an ephemeral port.
 * @returns the running stand-in; call `close()` when done.
 */
export async function startVllmStandIn(options: StandInOptions = {}): Promise<VllmStandIn> {
  const proxyAuth = options.proxyAuth ?? { tokenId: "stand-in-id", tokenSecret: "stand-in-secret" };
  const model = options.model ?? "qwen3-vl";
  const limits = {
    maxImagesPerPrompt: options.maxImagesPerPrompt ?? 5,
    maxVisualTokensPerImage: options.maxVisualTokensPerImage ?? 16384,
  };
  const style = options.reasoningStyle ?? "reasoning_content";
  const respond = options.respond ?? describeImages;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let active: ActiveFault | null = null;
  let counter = 0;

  const setFault = (fault: StandInFault | null) => {
    active = fault
      ? {
          fault,
          remaining: fault.requests ?? Infinity,
          until: "forMs" in fault && fault.forMs !== undefined ? performance.now() + fault.forMs : Infinity,
        }
      : null;
  };
  setFault(options.fault ?? null);

  /** Takes one request's worth of the active fault, or null when none applies. */
  const takeFault = (): StandInFault | null => {
    if (!active) return null;
    if (active.remaining <= 0 || performance.now() >= active.until) {
      active = null;
      return null;
    }
    active.remaining -= 1;
    return active.fault;
  };

  const builtIn: StandInRoute[] = [
    { method: "GET", path: "/health", handle: ({ res }) => void res.writeHead(200).end() },
    {
      method: "GET",
      path: "/v1/models",
      handle: ({ json }) =>
        json(200, {
          object: "list",
          data: [{ id: model, object: "model", created: 0, owned_by: "vllm", root: model, max_model_len: 32768 }],
        }),
    },
    {
      method: "POST",
      path: "/v1/chat/completions",
      handle: async ({ res, record }) => {
        const { request, images } = await checkChatRequest(record.body, model, limits);
        record.images = images;
        const prompt = lastUserText(request);
        const reply = await respond({ request, images, prompt, record });
        const meta = {
          id: `chatcmpl-standin-${++counter}`,
          model,
          created: Math.floor(Date.now() / 1000),
          promptChars: JSON.stringify(request.messages).length,
        };
        if (request.stream) await streamCompletion(res, reply, style, meta, request.stream_options?.include_usage ?? false);
        else await sendCompletion(res, reply, style, meta);
      },
    },
  ];
  const routes = [...(options.routes ?? []), ...builtIn];

  const server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const record: RecordedRequest = { method: req.method ?? "GET", path, headers: req.headers, body: undefined, images: [], at: performance.now() };
    requests.push(record);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    res.on("finish", () => (record.status = res.statusCode));
    try {
      const text = await readBody(req);
      if (text) {
        try {
          record.body = JSON.parse(text);
        } catch {
          throw new BadRequest("request body is not valid JSON");
        }
      }
      const fault = takeFault();
      if (fault && "hang" in fault) return;
      if (fault) {
        res.writeHead(fault.status, { "content-type": "text/plain" }).end(fault.body ?? `stand-in fault: HTTP ${fault.status}`);
        return;
      }
      if (proxyAuth && (req.headers["modal-key"] !== proxyAuth.tokenId || req.headers["modal-secret"] !== proxyAuth.tokenSecret)) {
        // Modal's own text for a missing or wrong proxy-auth token.
        res.writeHead(401, { "content-type": "text/plain" }).end("modal-http: missing or invalid credentials for proxy authorization");
        return;
      }
      const route = routes.find((r) => r.method === req.method && r.path === path);
      if (!route) return json(404, { detail: "Not Found" });
      await route.handle({ req, res, record, standIn, json });
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      const status = err instanceof BadRequest ? err.status : 500;
      json(status, { object: "error", message: (err as Error).message, type: "BadRequestError", code: status });
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const standIn: VllmStandIn = {
    url,
    baseUrl: `${url}/v1`,
    model,
    requests,
    setFault,
    completions: () => requests.filter((r) => r.path === "/v1/chat/completions" && r.status === 200),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of sockets) s.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
  return standIn;
}

/**
 * A VLM `respond` that answers the conformance suite's image questions as a model that sees would:
 * "how many images" with the count, the 4K screenshot's rectangle (the stand-in reads only image
 * sizes: a 3840x2160 image is the suite's screenshot, whose rectangle is blue) with "Blue.", and
 * everything else with `base`.
 */
export function conformingVlm(base: (ctx: ChatContext) => ChatReply): (ctx: ChatContext) => ChatReply {
  return (ctx) => {
    const reasoning = `I look at ${ctx.images.length} image(s).`;
    if (/How many images/.test(ctx.prompt)) return { reasoning, content: `${ctx.images.length} images.` };
    if (/large rectangle/.test(ctx.prompt) && ctx.images.some((i) => i.width === 3840 && i.height === 2160)) return { reasoning, content: "Blue." };
    return base(ctx);
  };
}
