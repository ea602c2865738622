/**
 * A dashboard world for the tests and the bench: the real CLI (`qwen-code-modal dashboard`, the
 * tsc build) started as a user starts it, against a coder and a VLM vLLM stand-in on 127.0.0.1,
 * the modal CLI stand-in (coder warm with one container, VLM scaled to zero), an endpoint config,
 * an env file with the proxy credentials, and a deploy-events file of its own. `restart()` stops
 * the dashboard and starts it again on the same port with the same HOME (so the same cache folder).
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { projectRoot } from "../../infra/core/paths";
import { vllmMetricsRoute, type VllmMetricsValues } from "../stand-ins/coder-routes";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { writeModalCliStandIn, type ModalCliStandIn } from "../stand-ins/modal-cli";
import { startVllmStandIn, type StandInRoute, type VllmStandIn } from "../stand-ins/vllm-endpoint";
import { VLLM } from "../support/vllm";

/** Fake proxy credentials (short, so the token-shape check stays quiet). */
export const PROXY = { tokenId: "pk-dash1", tokenSecret: "ps-dash1" } as const;

/** The coder's answer in the playground (markdown, as models answer). */
export const CODER_ANSWER = "Here is **add**, streamed by the coder stand-in:\n\n```python\ndef add(a, b):\n    return a + b\n```\n";
/** The code block of {@link CODER_ANSWER}, as the page shows it. */
export const CODER_CODE = "def add(a, b):\n    return a + b\n";

/** A prompt the coder answers with hostile markdown: raw HTML, an inline handler, a javascript: link. */
export const HOSTILE_PROMPT = "answer with hostile markdown";
export const HOSTILE_ANSWER = 'Hi <script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2"> [click](javascript:window.__pwned=3) <b onmouseover="window.__pwned=4">bold</b>';

/** A prompt the coder stand-in answers by echoing its request headers, as a misbehaving upstream's error page does. */
export const ECHO_HEADERS_PROMPT = "echo your request headers";

export interface DashboardWorld {
  dir: string;
  coder: VllmStandIn;
  vlm: VllmStandIn;
  modal: ModalCliStandIn;
  /** The deploy-events file the dashboard follows. */
  eventsPath: string;
  /** The URL the CLI printed (with the token in its fragment); changes on restart. */
  url: string;
  /** This run's token (from the URL's fragment). */
  token: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The dashboard process. */
  process: ResultPromise;
  /** What the dashboard printed so far (stdout and stderr). */
  output(): string;
  /** Sets what the coder's /metrics page says from now on. */
  setCoderMetrics(values: VllmMetricsValues): void;
  /** Sets the per-scrape traffic of the prometheus_client metrics page (`prometheus` worlds). */
  setTraffic(traffic: MetricsTraffic): Promise<void>;
  /** Stops the dashboard and starts it again on the same port, HOME and files (a new token). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Options of a world. */
export interface WorldOptions {
  /** The dashboard's `--refresh`, seconds (default 0.5). */
  refreshSeconds?: number;
  /** Variables added to the dashboard's environment (e.g. a PATH with an `xdg-open` and a DISPLAY). */
  env?: Record<string, string>;
  /** Leave out `--no-open`. */
  open?: boolean;
  /**
   * Serve the coder's /metrics from `vllm_metrics_page.py` (the real prometheus_client with vLLM
   * 0.33.0's names and buckets; needs the pinned vLLM's venv) instead of the fixed page; `spec`
   * turns the speculative-decoding counters on.
   */
  prometheus?: { spec: boolean };
  /** The `--config` passed (default: the stand-ins' endpoint config). */
  configPath?: string;
  /** Seeds the modal CLI stand-in (apps, billing) and the HOME folder `dir` before the dashboard starts. */
  prepare?: (modal: ModalCliStandIn, dir: string) => Promise<void>;
}

/** Per-scrape traffic of the prometheus_client metrics page (see vllm_metrics_page.py). */
export interface MetricsTraffic {
  gauges?: { running?: number; waiting?: number; kvCacheUsage?: number };
  add?: { prefixQueries?: number; prefixHits?: number; promptTokens?: number; generationTokens?: number; drafts?: number; draftTokens?: number; acceptedTokens?: number };
  /** Seconds observed into each histogram on every scrape. */
  observe?: { ttft?: number[]; itl?: number[]; e2e?: number[] };
}

/** Starts everything. */
export async function startDashboardWorld(options: WorldOptions = {}): Promise<DashboardWorld> {
  const dir = await mkdtemp(join(tmpdir(), "qcm-dashboard-"));
  let metrics = vllmMetricsRoute("qwen3-coder-next", { running: 1, waiting: 0, kvCacheUsage: 0.125, promptTokens: 1000, generationTokens: 500 });
  const page = options.prometheus ? await startPrometheusPage("qwen3-coder-next", options.prometheus.spec) : undefined;
  const liveMetrics: StandInRoute = {
    method: "GET",
    path: "/metrics",
    handle: (ctx) => {
      if (!page) return metrics.handle(ctx);
      void fetch(`${page.origin}/metrics`).then(async (r) => ctx.res.writeHead(200, { "content-type": r.headers.get("content-type") ?? "text/plain" }).end(await r.text()));
    },
  };
  const coder = await startVllmStandIn({
    model: "qwen3-coder-next",
    proxyAuth: PROXY,
    routes: [liveMetrics],
    respond: ({ prompt, record }) => ({
      content: prompt.includes(ECHO_HEADERS_PROMPT)
        ? `You sent Modal-Key: ${record.headers["modal-key"]} and Modal-Secret: ${record.headers["modal-secret"]}`
        : prompt.includes(HOSTILE_PROMPT)
          ? HOSTILE_ANSWER
          : CODER_ANSWER,
    }),
  });
  const vlm = await startVllmStandIn({ model: "qwen3-vl-32b-thinking", proxyAuth: PROXY });
  const configPath = join(dir, "endpoints.json");
  await writeStandInEndpointConfig(configPath, { coder, vlm });
  const envFile = join(dir, ".env");
  await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${PROXY.tokenId}\nMODAL_PROXY_TOKEN_SECRET=${PROXY.tokenSecret}\nMODAL_TOKEN_ID=ak-dash1\nMODAL_TOKEN_SECRET=as-dash1\n`);
  const modal = await writeModalCliStandIn(dir, [{ name: "qcm-coder", tasks: 1 }, { name: "qcm-vlm", tasks: 0 }]);
  const eventsPath = join(dir, "deploy-events.jsonl");
  await options.prepare?.(modal, dir);

  let output = () => "";
  const launch = async (port: string) => {
    const run = await launchDashboard(
      ["--port", port, ...(options.open ? [] : ["--no-open"]), "--refresh", String(options.refreshSeconds ?? 0.5), "--config", options.configPath ?? configPath, "--dotenv", envFile],
      { PATH: process.env.PATH!, HOME: dir, QCM_MODAL_CLI: modal.path, QCM_DEPLOY_EVENTS: eventsPath, ...options.env },
    );
    output = run.output;
    return run;
  };
  const first = await launch("0");
  const world: DashboardWorld = {
    dir,
    coder,
    vlm,
    modal,
    eventsPath,
    url: first.url,
    token: new URL(first.url).hash.slice("#token=".length),
    origin: new URL(first.url).origin,
    process: first.child,
    output: () => output(),
    setCoderMetrics: (values) => {
      metrics = vllmMetricsRoute("qwen3-coder-next", values);
    },
    setTraffic: async (traffic) => {
      if (!page) throw new Error("setTraffic needs a world started with `prometheus`");
      await fetch(`${page.origin}/traffic`, { method: "POST", body: JSON.stringify(traffic) });
    },
    restart: async () => {
      world.process.kill("SIGTERM");
      await world.process;
      const next = await launch(new URL(world.origin).port);
      Object.assign(world, { process: next.child, url: next.url, token: new URL(next.url).hash.slice("#token=".length) });
    },
    close: async () => {
      world.process.kill("SIGTERM");
      await world.process;
      await coder.close();
      await vlm.close();
      page?.process.kill("SIGTERM");
    },
  };
  return world;
}

/** A running `qwen-code-modal dashboard` process and the URL it printed. */
export interface LaunchedDashboard {
  child: ResultPromise;
  url: string;
  /** What it printed so far. */
  output(): string;
}

/**
 * Starts the real CLI's `dashboard` (the tsc build) with exactly `env`, and waits for its URL.
 * @throws Error when it exits first or prints no URL within 30 s.
 */
export async function launchDashboard(args: string[], env: Record<string, string>): Promise<LaunchedDashboard> {
  let seen = "";
  const child = execa(process.execPath, [join(projectRoot(), "dist", "infra", "cli", "main.js"), "dashboard", ...args], { env, extendEnv: false, reject: false, all: true });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the dashboard printed no URL within 30 s:\n${seen}`)), 30_000);
    child.all!.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void child.then((r) => reject(new Error(`the dashboard exited (${r.exitCode}):\n${r.all}`)));
  });
  return { child, url, output: () => seen };
}

/** Starts vllm_metrics_page.py with the pinned vLLM's Python (its prometheus_client and bucket file). */
async function startPrometheusPage(model: string, spec: boolean): Promise<{ origin: string; process: ResultPromise }> {
  const child = execa(VLLM.python, [join(__dirname, "vllm_metrics_page.py"), model, ...(spec ? ["--spec-decode"] : [])], { reject: false, buffer: false });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    void child.then((r) => reject(new Error(`vllm_metrics_page.py exited (${r.exitCode})`)));
  });
  return { origin: `http://127.0.0.1:${port}`, process: child };
}

/** A call to the dashboard's API with this run's token (as the page makes it). */
export function dashboardApi(world: DashboardWorld, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${world.origin}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${world.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
