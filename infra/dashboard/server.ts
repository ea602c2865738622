/**
 * The dashboard's HTTP server (Hono on @hono/node-server), bound to 127.0.0.1 only, every request
 * behind ./guard.ts. Routes:
 * - `GET /` the page; `GET /assets/*` its script and style; `GET /vendor/*` uPlot and
 *   eventsource-parser from node_modules;
 * - `GET /api/state` everything the page shows, at once (also the first `state` event);
 * - `GET /api/events` Server-Sent Events: `state`, `live`, `sample`, `deploy`;
 * - `GET /api/logs/:name` SSE of `modal app logs --follow` (`line`, `end`);
 * - `POST /api/wake/:name` starts a cold start (phases come as `live` events);
 * - `POST /api/chat` SSE of a streamed coder answer (`delta`, `done`, `error`);
 * - `POST /api/vlm` an image question (JSON in, JSON out), through the vlm-analyzer MCP server.
 * The proxy-auth credentials are used here and never sent to the page or printed.
 * @module
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { z } from "zod";
import type { ResolvedConfig } from "../config/resolve";
import type { EndpointContext } from "../endpoints/context";
import { proxyAuthHeaders, proxyCredentials, type ProxyCredentials } from "../endpoints/credentials";
import { listApps, resolveModalCli } from "../ops/modal-apps";
import { projectRoot } from "../core/paths";
import { redact } from "@qwen-code-modal/contract";
import { DeployFeed } from "./deploy-feed";
import { guard, newToken } from "./guard";
import { followLogs } from "./logs-stream";
import { Monitor, type MonitorOptions } from "./monitor";
import { loadPlan, type PlanSource } from "./plan-source";
import { chatRequestSchema, streamChat } from "./chat";
import { ImageQuestions } from "./image-question";
import { spendView, type SpendView } from "./spend";

/** How to run the dashboard. */
export interface DashboardOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Endpoint config and environment (the `--config` / `--dotenv` of every client command). */
  context: EndpointContext;
  /** Loads the stack config for the plan figures (`--stack-config FILE`, else the embedded defaults). */
  stackConfig: () => Promise<ResolvedConfig>;
  /** Where the stack config comes from, for the page: `defaults` or the file. */
  stackConfigFrom: string;
  /** The deploy-events file to follow (default: the environment's `deployEventsPath`). */
  deployEvents?: string;
  monitor?: MonitorOptions;
}

/** A running dashboard. */
export interface Dashboard {
  /** The URL to open, with this run's token. */
  url: string;
  port: number;
  /** Resolves once the plan figures are computed (or failed). */
  planReady: Promise<void>;
  close(): Promise<void>;
}

const PUBLIC = () => join(projectRoot(), "infra", "dashboard", "public");

/** Files the page loads, by URL path: [file, content type]. Read once at start. */
function staticFiles(): Map<string, [Buffer, string]> {
  const vendor = (spec: string) => require.resolve(spec);
  const files: [string, string, string][] = [
    ["/", join(PUBLIC(), "index.html"), "text/html; charset=utf-8"],
    ["/assets/app.js", join(PUBLIC(), "app.js"), "text/javascript; charset=utf-8"],
    ["/assets/style.css", join(PUBLIC(), "style.css"), "text/css; charset=utf-8"],
    ["/vendor/uplot.js", vendor("uplot/dist/uPlot.iife.min.js"), "text/javascript; charset=utf-8"],
    ["/vendor/uplot.css", vendor("uplot/dist/uPlot.min.css"), "text/css; charset=utf-8"],
    ["/vendor/eventsource-parser.js", join(vendor("eventsource-parser"), "..", "index.js"), "text/javascript; charset=utf-8"],
  ];
  return new Map(files.map(([path, file, type]) => [path, [readFileSync(file), type]]));
}

const vlmRequestSchema = z.object({
  deployment: z.string().min(1).optional(),
  question: z.string().min(1).max(20_000),
  /** The image file, base64. */
  image: z.string().min(1),
});

/**
 * Starts the dashboard.
 * @throws Error when the port is taken (EADDRINUSE) or a page file is missing.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { context } = options;
  const files = staticFiles();
  const token = newToken();
  let credentials: ProxyCredentials | Error;
  try {
    credentials = proxyCredentials(context.config.proxyAuth, context.env, context.envFile);
  } catch (err) {
    credentials = err as Error;
  }
  const secrets = credentials instanceof Error ? [] : [credentials.tokenId, credentials.tokenSecret];
  const clean = (text: string) => redact(text, secrets);

  let plan: PlanSource = { entries: new Map() };
  const monitor = new Monitor(
    {
      config: context.config,
      headers: credentials instanceof Error ? {} : proxyAuthHeaders(credentials),
      listApps: async () => listApps(resolveModalCli(context.environment), context.environment),
      plan: () => plan.entries,
    },
    options.monitor,
  );
  const clients = new Set<SSEStreamingApi>();
  const broadcast = (event: string, data: unknown) => {
    const text = JSON.stringify(data);
    for (const c of clients) void c.writeSSE({ event, data: text }).catch(() => clients.delete(c));
  };
  const feed = new DeployFeed(options.deployEvents ?? context.environment.deployEventsPath, (event, progress) => {
    broadcast("deploy", { event, progress });
    if (event.kind === "done" || event.kind === "failed") void monitor.refreshApps();
  });
  monitor.on("live", (live) => broadcast("live", live));
  monitor.on("sample", (s) => broadcast("sample", s));

  const appNames = new Set(Object.values(context.config.endpoints).map((e) => e.app));
  const state = () => ({
    stack: context.config.stack,
    endpointConfig: context.configPath,
    deployments: Object.entries(context.config.endpoints).map(([name, e]) => ({ name, ...e, plan: plan.entries.get(name) ?? null })),
    planFrom: options.stackConfigFrom,
    planError: plan.error ? clean(plan.error) : undefined,
    credentialsProblem: credentials instanceof Error ? credentials.message : undefined,
    live: monitor.snapshot(),
    history: monitor.history(),
    deploy: {
      file: feed.path,
      progress: [...feed.progress.values()].filter((p) => appNames.has(p.app)),
      recent: feed.recent.slice(-100),
    },
    spend: spendView(monitor.snapshot()) satisfies SpendView,
  });

  const needCredentials = (c: Context) =>
    credentials instanceof Error ? c.json({ error: credentials.message }, 400) : undefined;
  /** A playground call's checks: credentials, the JSON body, the deployment (named, else the role's). */
  const playgroundCall = async <T extends { deployment?: string }>(c: Context, schema: z.ZodType<T>, role: "coder" | "vlm", what: string) => {
    const missing = needCredentials(c);
    if (missing) return { refusal: missing };
    const parsed = schema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return { refusal: c.json({ error: `bad ${what}: ${z.prettifyError(parsed.error)}` }, 400) };
    const name = parsed.data.deployment ?? Object.keys(context.config.endpoints).find((n) => context.config.endpoints[n].role === role);
    const endpoint = name === undefined ? undefined : context.config.endpoints[name];
    if (!name || !endpoint) return { refusal: c.json({ error: `no ${parsed.data.deployment ? `deployment "${parsed.data.deployment}"` : `${role} deployment`} in the endpoint config` }, 404) };
    monitor.touch(name);
    return { data: parsed.data, name, endpoint, credentials: credentials as ProxyCredentials };
  };

  const imageQuestions = new Map<string, ImageQuestions>();
  const port = { value: 0 };
  const app = new Hono();
  app.use("*", async (c, next) => guard(token, port.value)(c, next));
  app.get("/", (c) => {
    if (c.req.query("token")) return c.redirect("/", 302);
    const [body, type] = files.get("/")!;
    return c.body(new Uint8Array(body), 200, { "content-type": type });
  });
  for (const path of [...files.keys()].filter((p) => p !== "/")) {
    app.get(path, (c) => {
      const [body, type] = files.get(path)!;
      return c.body(new Uint8Array(body), 200, { "content-type": type });
    });
  }
  app.get("/api/state", (c) => c.json(state()));
  app.get("/api/events", (c) =>
    streamSSE(c, async (stream) => {
      clients.add(stream);
      await stream.writeSSE({ event: "state", data: JSON.stringify(state()) });
      const ping = setInterval(() => void stream.writeSSE({ event: "ping", data: String(Date.now()) }).catch(() => undefined), 15_000);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(ping);
      clients.delete(stream);
    }),
  );
  app.post("/api/refresh", async (c) => {
    await monitor.refreshApps();
    return c.json({ live: monitor.snapshot() });
  });
  app.post("/api/wake/:name", (c) => {
    const name = c.req.param("name");
    if (!context.config.endpoints[name]) return c.json({ error: `no deployment "${name}"` }, 404);
    const missing = needCredentials(c);
    if (missing) return missing;
    return monitor.wake(name) ? c.json({ started: true }, 202) : c.json({ error: "a cold start is already under way" }, 409);
  });
  app.get("/api/logs/:name", (c) => {
    const endpoint = context.config.endpoints[c.req.param("name")];
    if (!endpoint) return c.json({ error: `no deployment "${c.req.param("name")}"` }, 404);
    return streamSSE(c, async (stream) => {
      let modal: string;
      try {
        modal = resolveModalCli(context.environment);
      } catch (err) {
        await stream.writeSSE({ event: "end", data: JSON.stringify({ reason: (err as Error).message }) });
        return;
      }
      const stop = new AbortController();
      stream.onAbort(() => stop.abort());
      const send = (line: string) => void stream.writeSSE({ event: "line", data: JSON.stringify({ line }) }).catch(() => stop.abort());
      const end = await followLogs(modal, endpoint.app, context.environment, secrets, stop.signal, send).then(
        (exitCode) => ({ exitCode }),
        (err: Error) => ({ reason: clean(err.message) }),
      );
      if (!stream.aborted) await stream.writeSSE({ event: "end", data: JSON.stringify(end) });
    });
  });
  app.post("/api/chat", bodyLimit({ maxSize: 4 * 1024 * 1024 }), async (c) => {
    const call = await playgroundCall(c, chatRequestSchema, "coder", "chat request");
    if (call.refusal) return call.refusal;
    return streamSSE(c, async (stream) => {
      const abort = new AbortController();
      stream.onAbort(() => abort.abort());
      try {
        const send = (delta: object) => void stream.writeSSE({ event: "delta", data: JSON.stringify(delta) }).catch(() => abort.abort());
        const end = await streamChat(call.endpoint, call.credentials, call.data, abort.signal, send);
        await stream.writeSSE({ event: "done", data: JSON.stringify(end) });
      } catch (err) {
        if (!abort.signal.aborted) await stream.writeSSE({ event: "error", data: JSON.stringify({ message: clean((err as Error).message) }) });
      }
      monitor.touch(call.name);
    });
  });
  app.post("/api/vlm", bodyLimit({ maxSize: 72 * 1024 * 1024 }), async (c) => {
    const call = await playgroundCall(c, vlmRequestSchema, "vlm", "image question");
    if (call.refusal) return call.refusal;
    try {
      let questions = imageQuestions.get(call.name);
      if (!questions) {
        questions = new ImageQuestions(call.endpoint, call.credentials, { PATH: context.environment.vars.PATH, HOME: context.environment.vars.HOME });
        imageQuestions.set(call.name, questions);
      }
      const answer = await questions.ask(Buffer.from(call.data.image, "base64"), call.data.question, c.req.raw.signal);
      return c.json(answer);
    } catch (err) {
      return c.json({ error: clean((err as Error).message) }, 502);
    } finally {
      monitor.touch(call.name);
    }
  });

  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: "127.0.0.1" }, () => resolve(s));
    s.once("error", reject);
  });
  port.value = (server.address() as AddressInfo).port;
  feed.start();
  monitor.start();
  const planReady = loadPlan(options.stackConfig, context.environment).then((p) => {
    plan = p;
    broadcast("state", state());
  });
  return {
    url: `http://127.0.0.1:${port.value}/?token=${token}`,
    port: port.value,
    planReady,
    close: async () => {
      monitor.stop();
      feed.stop();
      await Promise.all([...imageQuestions.values()].map((q) => q.close()));
      for (const c of clients) void c.close();
      clients.clear();
      await new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}
