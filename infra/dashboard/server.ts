/**
 * The dashboard's HTTP server (Hono on @hono/node-server), bound to 127.0.0.1 only, every request
 * behind ./guard.ts (Host, Origin, and the token as a Bearer header on everything but the page's files). Routes:
 * - `GET /` the page; `GET /assets/*` its scripts and style; `GET /vendor/*` uPlot and
 *   eventsource-parser from node_modules;
 * - `GET /api/state` everything the page shows, at once (also the first `state` event);
 * - `GET /api/events` the browser's one Server-Sent Events stream (./event-hub.ts): `hello`,
 *   `state`, `live`, `sample`, `deploy`, `spend`, `stack`, and the answers of calls made for that stream;
 * - `POST /api/logs` starts `modal app logs --follow` for a stream (`log`, `log-end` events);
 *   `POST /api/logs/stop` stops it;
 * - `POST /api/chat` starts a streamed coder answer for a stream (`chat`, `chat-end` events);
 * - `POST /api/wake/:name` starts a cold start (phases come as `live` events);
 * - `POST /api/vlm` an image question (JSON in, JSON out), through the vlm-analyzer MCP server;
 * - `GET /api/history?range=hour|day|week` samples and spend readings from the history database
 *   (./history-store.ts); `GET /api/bench` saved bench results by config hash;
 * - `POST /api/warm`, `POST /api/cool`, `GET /api/versions/:name`, `POST /api/rollback` (./controls.ts);
 * - `POST /api/stack/preview`, `POST /api/stack/up` (./stack-ops.ts; progress as `stack` events).
 * Every JSON answer and every stream chunk passes the project's one redactor (core/redaction.ts).
 * The proxy-auth credentials are used here and never sent to the page or printed.
 * @module
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { ResolvedConfig } from "../config/resolve";
import type { EndpointContext } from "../endpoints/context";
import { proxyAuthHeaders, proxyCredentials, type ProxyCredentials } from "../endpoints/credentials";
import { listApps, opsModalContext, resolveModalCli } from "../ops/modal-apps";
import { projectRoot } from "../core/paths";
import { outputRedactor } from "../core/redaction";
import { DeployFeed } from "./deploy-feed";
import { EventHub } from "./event-hub";
import { StreamRedactor } from "./stream-redactor";
import { guard, newToken } from "./guard";
import { followLogs } from "./logs-stream";
import { Monitor, type MetricsSample, type MonitorOptions } from "./monitor";
import { loadPlan, type PlanSource } from "./plan-source";
import { chatRequestSchema, streamChat } from "./chat";
import { ImageQuestions } from "./image-question";
import { billingReportSource, ledgerSource, spendView, type ActualSpend, type ActualSpendSource, type SpendView } from "./spend";
import { HistoryStore, RANGES, type RangeName } from "./history-store";
import { Controls } from "./controls";
import { StackOps, type StackTarget } from "./stack-ops";
import { defaultBenchDir, type BenchResult } from "../bench/results";

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
  /** The history database (default: `<cacheDir>/dashboard/history.sqlite`). */
  historyPath?: string;
  /** How often actual spend is read again, ms (default 10 minutes; once at start). */
  spendIntervalMs?: number;
  /** Why the endpoint config could not be read, when the dashboard runs without one: the page explains it. */
  configProblem?: string;
  /** The stack the page's Preview and Up run on; undefined: those buttons say why they are off. */
  stackTarget?: StackTarget;
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
    ["/assets/events.js", join(PUBLIC(), "events.js"), "text/javascript; charset=utf-8"],
    ["/assets/events-worker.js", join(PUBLIC(), "events-worker.js"), "text/javascript; charset=utf-8"],
    ["/assets/style.css", join(PUBLIC(), "style.css"), "text/css; charset=utf-8"],
    ["/vendor/uplot.js", vendor("uplot/dist/uPlot.iife.min.js"), "text/javascript; charset=utf-8"],
    ["/vendor/uplot.css", vendor("uplot/dist/uPlot.min.css"), "text/css; charset=utf-8"],
    ["/vendor/markdown-it.js", join(vendor("markdown-it"), "..", "markdown-it.min.js"), "text/javascript; charset=utf-8"],
    ["/vendor/eventsource-parser.js", join(vendor("eventsource-parser"), "..", "index.js"), "text/javascript; charset=utf-8"],
  ];
  return new Map(files.map(([path, file, type]) => [path, [readFileSync(file), type]]));
}

/** `POST /api/warm`: keep containers up for some hours (at most 24), then cool. */
const warmRequestSchema = z.object({
  deployment: z.string().min(1),
  hours: z.number().positive().max(24),
  containers: z.number().int().min(1).max(10).default(1),
});

/** `POST /api/logs`: follow a deployment's logs, answering on an event stream. */
const followRequestSchema = z.object({ deployment: z.string().min(1), stream: z.string().min(1) });

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
  // The one redactor (core/redaction.ts) already knows the Modal tokens and the proxy credentials
  // the endpoint config names; it learns the credentials read here too. Every chunk sent passes it.
  if (!(credentials instanceof Error)) outputRedactor.learn([credentials.tokenId, credentials.tokenSecret]);
  const clean = outputRedactor;

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
  const hub = new EventHub(clean);
  const feed = new DeployFeed(options.deployEvents ?? context.environment.deployEventsPath, (event, progress) => {
    hub.broadcast("deploy", { event, progress });
    if (event.kind === "done" || event.kind === "failed") void monitor.refreshApps();
  });
  monitor.on("live", (live) => hub.broadcast("live", live));
  /** The deployments by name (a Map: a name such as `__proto__` finds nothing). */
  const deployments = new Map(Object.entries(context.config.endpoints));
  const store = new HistoryStore(options.historyPath ?? join(context.environment.cacheDir, "dashboard", "history.sqlite"));
  monitor.on("sample", (s: { name: string; sample: MetricsSample }) => {
    store.addSample(s.name, s.sample);
    hub.broadcast("sample", s);
  });

  /** Actual spend: each source's latest answer (the billing report; the controller's ledger when the stack has the controller); none without deployments. */
  const modalContext = () => opsModalContext(resolveModalCli(context.environment), context.environment);
  const modalEnvironment = context.environment.modal.environment;
  const spendSources: ActualSpendSource[] = deployments.size
    ? [
        billingReportSource(modalContext, context.config, modalEnvironment),
        ...(context.config.control ? [ledgerSource(modalContext, context.config, context.config.control, modalEnvironment)] : []),
      ]
    : [];
  const actual = new Map<string, ActualSpend>(spendSources.map((src) => [src.name, { source: src.name }]));
  const readSpend = async () => {
    await Promise.all(
      spendSources.map(async (src) => {
        try {
          const reading = await src.read();
          store.addSpend(reading);
          actual.set(src.name, { source: src.name, reading });
        } catch (err) {
          actual.set(src.name, { source: src.name, reading: actual.get(src.name)?.reading, problem: (err as Error).message });
        }
      }),
    );
    hub.broadcast("spend", spendView(monitor.snapshot(), [...actual.values()]));
  };
  /** Bench results saved by `bench`, imported into the history so they can be compared by config hash. */
  const importBench = async () => {
    const dir = defaultBenchDir(context.environment.vars);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const file of names.filter((n) => n.endsWith(".json"))) {
      const result = await readFile(join(dir, file), "utf8").then((t) => JSON.parse(t) as BenchResult, () => undefined);
      if (result?.version === 1 && result.target) store.addBench(result);
    }
  };
  const stackOps = options.stackTarget
    ? new StackOps(options.stackTarget, (progress) => {
        hub.broadcast("stack", progress);
        if (progress.state !== "running") void monitor.refreshApps();
      })
    : undefined;
  const controls = new Controls(context, process.argv[1], options.stackConfigFrom === "defaults" ? undefined : options.stackConfigFrom);

  const appNames = new Set([...deployments.values()].map((e) => e.app));
  const state = () => ({
    stack: context.config.stack,
    endpointConfig: context.configPath,
    deployments: [...deployments].map(([name, e]) => ({ name, ...e, plan: plan.entries.get(name) ?? null })),
    planFrom: options.stackConfigFrom,
    planError: plan.error,
    credentialsProblem: credentials instanceof Error ? credentials.message : undefined,
    live: monitor.snapshot(),
    configProblem: options.configProblem,
    deployStack: stackOps ? { name: options.stackTarget!.stack, progress: stackOps.current() } : { problem: "no stack to deploy: pass --pulumi-stack NAME (the endpoint config names none)" },
    history: Object.fromEntries([...deployments.keys()].map((name) => [name, store.samples(name, "hour")])),
    deploy: {
      file: feed.path,
      progress: [...feed.progress.values()].filter((p) => appNames.has(p.app)),
      recent: feed.recent.slice(-100),
    },
    spend: spendView(monitor.snapshot(), [...actual.values()]) satisfies SpendView,
  });

  const needCredentials = (c: Context) =>
    credentials instanceof Error ? c.json({ error: credentials.message }, 400) : undefined;
  /** A JSON body checked against a schema, or the 400 that names the field. */
  const body = async <T>(c: Context, schema: z.ZodType<T>, what: string) => {
    const parsed = schema.safeParse(await c.req.json().catch(() => undefined));
    return parsed.success ? { data: parsed.data } : { refusal: c.json({ error: `bad ${what}: ${z.prettifyError(parsed.error)}` }, 400) };
  };
  /** The stream a call answers on, or the 409 that says it is gone. */
  const streamOf = (c: Context, id: string) => {
    const signal = hub.signal(id);
    return signal ? { signal } : { refusal: c.json({ error: `event stream "${id}" is not connected (reload the page)` }, 409) };
  };
  /** A playground call's checks: credentials, the JSON body, the deployment (named, else the role's). */
  const playgroundCall = async <T extends { deployment?: string }>(c: Context, schema: z.ZodType<T>, role: "coder" | "vlm", what: string) => {
    const missing = needCredentials(c);
    if (missing) return { refusal: missing };
    const parsed = await body(c, schema, what);
    if (parsed.refusal) return parsed;
    const name = parsed.data.deployment ?? [...deployments].find(([, e]) => e.role === role)?.[0];
    const endpoint = name === undefined ? undefined : deployments.get(name);
    if (!name || !endpoint) return { refusal: c.json({ error: `no ${parsed.data.deployment ? `deployment "${parsed.data.deployment}"` : `${role} deployment`} in the endpoint config` }, 404) };
    monitor.touch(name);
    return { data: parsed.data, name, endpoint, credentials: credentials as ProxyCredentials };
  };

  const imageQuestions = new Map<string, ImageQuestions>();
  const follows = new Map<string, AbortController>();
  const port = { value: 0 };
  const app = new Hono();
  app.use("*", async (c, next) => guard(token, port.value, new Set(files.keys()))(c, next));
  // Every JSON answer passes the redactor here, as every stream chunk does in the event hub.
  app.use("/api/*", async (c, next) => {
    await next();
    if (!c.res.headers.get("content-type")?.startsWith("application/json")) return;
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    c.res = new Response(clean(await c.res.text()), { status: c.res.status, headers });
  });
  for (const path of files.keys()) {
    app.get(path, (c) => {
      const [content, type] = files.get(path)!;
      return c.body(new Uint8Array(content), 200, { "content-type": type });
    });
  }
  app.get("/api/state", (c) => c.json(state()));
  app.get("/api/events", (c) => streamSSE(c, (stream) => hub.serve(stream, () => [["state", state()]])));
  app.get("/api/history", (c) => {
    const range = c.req.query("range") ?? "hour";
    if (!Object.hasOwn(RANGES, range)) return c.json({ error: `range: got "${range}"; use hour, day or week` }, 400);
    return c.json({
      range,
      samples: Object.fromEntries([...deployments.keys()].map((name) => [name, store.samples(name, range as RangeName)])),
      spend: store.spend(range as RangeName),
    });
  });
  app.get("/api/bench", async (c) => {
    await importBench();
    return c.json({ results: store.bench() });
  });
  app.get("/api/versions/:name", async (c) => {
    const endpoint = deployments.get(c.req.param("name"));
    if (!endpoint) return c.json({ error: `no deployment "${c.req.param("name")}"` }, 404);
    try {
      return c.json({ app: endpoint.app, versions: await controls.versions(endpoint.app) });
    } catch (err) {
      return c.json({ error: (err as Error).message }, 502);
    }
  });
  /** A control's answer: what the command printed (redacted as every answer); Modal asked again so the page shows the new state. */
  const controlAnswer = async (c: Context, name: string, outcome: { ok: boolean; output: string }) => {
    monitor.touch(name);
    void monitor.refreshApps();
    return c.json({ ok: outcome.ok, output: outcome.output }, outcome.ok ? 200 : 502);
  };
  app.post("/api/warm", async (c) => {
    const parsed = await body(c, warmRequestSchema, "warm request");
    if (parsed.refusal) return parsed.refusal;
    if (!deployments.has(parsed.data.deployment)) return c.json({ error: `no deployment "${parsed.data.deployment}"` }, 404);
    return controlAnswer(c, parsed.data.deployment, await controls.warm(parsed.data.deployment, parsed.data.hours, parsed.data.containers));
  });
  app.post("/api/cool", async (c) => {
    const parsed = await body(c, z.object({ deployment: z.string().min(1) }), "cool request");
    if (parsed.refusal) return parsed.refusal;
    if (!deployments.has(parsed.data.deployment)) return c.json({ error: `no deployment "${parsed.data.deployment}"` }, 404);
    return controlAnswer(c, parsed.data.deployment, await controls.cool(parsed.data.deployment));
  });
  app.post("/api/rollback", async (c) => {
    const parsed = await body(c, z.object({ deployment: z.string().min(1), version: z.number().int().positive() }), "rollback request");
    if (parsed.refusal) return parsed.refusal;
    const endpoint = deployments.get(parsed.data.deployment);
    if (!endpoint) return c.json({ error: `no deployment "${parsed.data.deployment}"` }, 404);
    return controlAnswer(c, parsed.data.deployment, await controls.rollback(endpoint.app, parsed.data.version));
  });
  app.post("/api/stack/:op", (c) => {
    const op = c.req.param("op");
    if (op !== "preview" && op !== "up") return c.json({ error: `no stack operation "${op}" (preview or up)` }, 404);
    if (!stackOps) return c.json({ error: "no stack to deploy: pass --pulumi-stack NAME to the dashboard" }, 400);
    return stackOps.start(op) ? c.json({ started: op }, 202) : c.json({ error: `a ${stackOps.current()?.op} is already running from this dashboard` }, 409);
  });
  app.post("/api/refresh", async (c) => {
    await monitor.refreshApps();
    return c.json({ live: monitor.snapshot() });
  });
  app.post("/api/wake/:name", (c) => {
    const name = c.req.param("name");
    if (!deployments.has(name)) return c.json({ error: `no deployment "${name}"` }, 404);
    const missing = needCredentials(c);
    if (missing) return missing;
    return monitor.wake(name) ? c.json({ started: true }, 202) : c.json({ error: "a cold start is already under way" }, 409);
  });
  app.post("/api/logs", async (c) => {
    const parsed = await body(c, followRequestSchema, "logs request");
    if (parsed.refusal) return parsed.refusal;
    const endpoint = deployments.get(parsed.data.deployment);
    if (!endpoint) return c.json({ error: `no deployment "${parsed.data.deployment}"` }, 404);
    const target = streamOf(c, parsed.data.stream);
    if (target.refusal) return target.refusal;
    const modal = (() => {
      try {
        return resolveModalCli(context.environment);
      } catch (err) {
        return err as Error;
      }
    })();
    if (modal instanceof Error) return c.json({ error: modal.message }, 400);
    const follow = randomUUID();
    const stop = new AbortController();
    follows.set(follow, stop);
    const signal = AbortSignal.any([stop.signal, target.signal]);
    const send = (event: string, data: object) => hub.send(parsed.data.stream, event, { follow, ...data }) || stop.abort();
    void followLogs(modal, endpoint.app, context.environment, outputRedactor.secrets, signal, (line) => send("log", { line }))
      .then(
        (exitCode) => ({ exitCode }),
        (err: Error) => ({ reason: err.message }),
      )
      .then((end) => {
        follows.delete(follow);
        send("log-end", end);
      });
    return c.json({ follow }, 202);
  });
  app.post("/api/logs/stop", async (c) => {
    const parsed = await body(c, z.object({ follow: z.string() }), "logs stop request");
    if (parsed.refusal) return parsed.refusal;
    const stop = follows.get(parsed.data.follow);
    stop?.abort();
    return c.json({ stopped: Boolean(stop) });
  });
  app.post("/api/chat", bodyLimit({ maxSize: 4 * 1024 * 1024 }), async (c) => {
    const call = await playgroundCall(c, chatRequestSchema.extend({ stream: z.string().min(1) }), "coder", "chat request");
    if (call.refusal) return call.refusal;
    const target = streamOf(c, call.data.stream);
    if (target.refusal) return target.refusal;
    const chat = randomUUID();
    const send = (event: string, data: object) => hub.send(call.data.stream, event, { chat, ...data });
    // Text and reasoning each redacted as a stream: an echoed credential arrives split across chunks.
    const content = new StreamRedactor(outputRedactor);
    const reasoning = new StreamRedactor(outputRedactor);
    const delta = (c: string, r: string) => (c || r) && send("chat", { ...(c ? { content: c } : {}), ...(r ? { reasoning: r } : {}) });
    void streamChat(call.endpoint, call.credentials, call.data, target.signal, (d) => delta(content.push(d.content ?? ""), reasoning.push(d.reasoning ?? "")))
      .then(
        (end) => {
          delta(content.flush(), reasoning.flush());
          send("chat-end", end);
        },
        (err: Error) => target.signal.aborted || send("chat-end", { error: err.message }),
      )
      .finally(() => monitor.touch(call.name));
    return c.json({ chat }, 202);
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
      return c.json({ error: (err as Error).message }, 502);
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
  void importBench();
  void readSpend();
  const spendTimer = setInterval(() => {
    store.prune();
    void readSpend();
  }, options.spendIntervalMs ?? 600_000);
  monitor.start();
  const planReady = loadPlan(options.stackConfig, context.environment).then((p) => {
    plan = p;
    hub.broadcast("state", state());
    void monitor.refreshApps(); // burn rates and watched spend need the plan's rates
  });
  return {
    url: `http://127.0.0.1:${port.value}/#token=${token}`,
    port: port.value,
    planReady,
    close: async () => {
      monitor.stop();
      clearInterval(spendTimer);
      feed.stop();
      await Promise.all([...imageQuestions.values()].map((q) => q.close()));
      for (const stop of follows.values()) stop.abort();
      hub.closeAll();
      store.close();
      await new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}
