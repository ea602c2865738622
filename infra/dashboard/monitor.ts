/**
 * The dashboard's live picture of each deployment, kept up to date in the background:
 * - Modal's view (`modal app list --json` every `appsIntervalMs`): deployed / stopped / not
 *   deployed, and running containers. Asking Modal never wakes an app.
 * - vLLM's `/metrics` (every `metricsIntervalMs`), only while Modal reports a running container.
 *   Every request to a Modal web endpoint is an input that restarts its scale-down timer, so a
 *   dashboard polling forever would keep a GPU warm: after `idlePauseMs` without any request
 *   running, waiting or any token processed, polling pauses; it resumes when the container count
 *   changes, when the container outlives its scale-down window anyway (someone else is using it),
 *   or when the user acts on the page.
 * - A cold start the user asked for (`wake`): phases until `/health` answers 200.
 * - Cost: the burn rate now (running containers × the plan's warm-hour rate) and the spend this
 *   dashboard watched (container-seconds × rate), both estimates.
 * @module
 */
import { EventEmitter } from "node:events";
import type { Endpoint, EndpointConfig } from "@qwen-code-modal/contract";
import type { PlanEntry } from "../plan/plan";
import { describeOutcome, httpCall } from "../endpoints/http";
import { readMetrics, summarizeVllmMetrics, windowMetrics, type MetricsReading, type VllmMetrics, type WindowMetrics } from "../endpoints/metrics";
import type { AppListRow } from "../provider/modal-cli";
import { waitUntilHealthy } from "../endpoints/wait-ready";

/**
 * One point of the live charts. Rates are per second over the last poll interval; the
 * {@link WindowMetrics} fields (hit rate, latency quantiles, acceptance) are over the same window,
 * read by the same functions `status` and `bench` use (endpoints/metrics), absent when nothing was
 * measured in it.
 */
export interface MetricsSample extends Partial<WindowMetrics> {
  /** Unix time, seconds. */
  t: number;
  running?: number;
  waiting?: number;
  /** Fraction 0..1. */
  kvCacheUsage?: number;
  /** Generated tokens per second. */
  generationTps?: number;
  /** Prompt (prefill) tokens per second. */
  promptTps?: number;
}

/** A cold start the user asked for, as it goes. */
export interface ColdStart {
  phase: "request sent" | "container starting" | "loading model" | "healthy" | "failed";
  /** Seconds since the request. */
  elapsedSeconds: number;
  detail: string;
}

/** What the page shows live for one deployment. */
export interface LiveDeployment {
  name: string;
  /** Modal's view: `deployed`, `stopped`, `not deployed`, or `unknown` when Modal could not be asked. */
  modal: "deployed" | "stopped" | "not deployed" | "unknown";
  /** Running containers when deployed and known. */
  containers?: number;
  /** One word for the badge: warm, scaled to zero, stopped, not deployed, unknown. */
  state: "warm" | "scaled to zero" | "stopped" | "not deployed" | "unknown";
  /** Why metrics are not being read right now, or what went wrong reading them. */
  metricsNote?: string;
  coldStart?: ColdStart;
  /** Running containers × the plan's USD per warm hour. */
  burnUsdPerHour?: number;
  /** Container-seconds seen warm since the dashboard started × rate, USD (estimate). */
  watchedSpendUsd: number;
  watchedWarmSeconds: number;
}

/** Tuning; every field has a default. Milliseconds. */
export interface MonitorOptions {
  appsIntervalMs?: number;
  metricsIntervalMs?: number;
  idlePauseMs?: number;
  requestTimeoutMs?: number;
  /** Bound on a cold start the user asked for. */
  wakeTimeoutMs?: number;
}

/** What the monitor reads from. */
export interface MonitorSources {
  config: EndpointConfig;
  /** Proxy-auth headers (server-side only). */
  headers: Record<string, string>;
  /** `modal app list --json`; rejects with a one-line reason when Modal cannot be asked. */
  listApps: () => Promise<AppListRow[]>;
  /** Plan entries by deployment name, once known (for rates and scale-down windows). */
  plan: () => Map<string, PlanEntry>;
}

interface Track {
  live: LiveDeployment;
  endpoint: Endpoint;
  previous?: { at: number; m: VllmMetrics; reading: MetricsReading };
  lastActivity: number;
  paused: boolean;
  pausedAt: number;
  warmSince?: number;
  waking: boolean;
}

/** The fields that were measured (null ones left out, so a sample stays small). */
function measured(w: WindowMetrics): Partial<WindowMetrics> {
  return Object.fromEntries(Object.entries(w).filter(([, v]) => v !== null));
}

const DEFAULTS: Required<MonitorOptions> = {
  appsIntervalMs: 20_000,
  metricsIntervalMs: 5_000,
  idlePauseMs: 60_000,
  requestTimeoutMs: 10_000,
  wakeTimeoutMs: 900_000,
};

/**
 * Watches every deployment of the endpoint config. Emits `live` (a {@link LiveDeployment}) when a
 * deployment's picture changes and `sample` (`{ name, sample }`) for each metrics point.
 */
export class Monitor extends EventEmitter {
  private readonly tracks = new Map<string, Track>();
  private readonly options: Required<MonitorOptions>;
  private timers: NodeJS.Timeout[] = [];
  private listing?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly sources: MonitorSources,
    options: MonitorOptions = {},
  ) {
    super();
    this.options = { ...DEFAULTS, ...options };
    for (const [name, endpoint] of Object.entries(sources.config.endpoints)) {
      this.tracks.set(name, {
        live: { name, modal: "unknown", state: "unknown", watchedSpendUsd: 0, watchedWarmSeconds: 0 },
        endpoint,
        lastActivity: Date.now(),
        paused: false,
        pausedAt: 0,
        waking: false,
      });
    }
  }

  /** Starts the background polls (the first Modal listing right away). */
  start(): void {
    void this.refreshApps();
    this.timers.push(setInterval(() => void this.refreshApps(), this.options.appsIntervalMs));
    this.timers.push(setInterval(() => void this.pollMetrics(), this.options.metricsIntervalMs));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Every deployment's live picture. */
  snapshot(): LiveDeployment[] {
    return [...this.tracks.values()].map((t) => t.live);
  }

  /** The user acted on a deployment (chat, question): read its metrics again. */
  touch(name: string): void {
    const track = this.tracks.get(name);
    if (!track) return;
    track.lastActivity = Date.now();
    if (track.paused) this.resume(track);
  }

  /** Asks Modal again now (after a deploy finished, or on the user's request). */
  refreshApps(): Promise<void> {
    this.listing ??= this.listApps().finally(() => (this.listing = undefined));
    return this.listing;
  }

  private async listApps(): Promise<void> {
    let rows: AppListRow[] | Error;
    try {
      rows = await this.sources.listApps();
    } catch (err) {
      rows = err as Error;
    }
    if (this.stopped) return;
    const now = Date.now();
    for (const track of this.tracks.values()) {
      const before = JSON.stringify(track.live);
      const previousContainers = track.live.containers;
      this.accountWarmTime(track, now);
      if (rows instanceof Error) {
        Object.assign(track.live, { modal: "unknown", containers: undefined, state: "unknown", metricsNote: `${rows.message}; metrics are not read (a request could start a container)` });
      } else {
        const mine = rows.filter((r) => r.description === track.endpoint.app);
        const deployed = mine.find((r) => r.state === "deployed");
        const containers = deployed ? Number(deployed.tasks) || 0 : undefined;
        const modal = deployed ? "deployed" : mine.length ? "stopped" : "not deployed";
        const state = deployed ? (containers! > 0 ? "warm" : "scaled to zero") : modal;
        Object.assign(track.live, { modal, containers, state });
        if (containers !== previousContainers && track.paused) this.resume(track);
        if (state !== "warm") track.live.metricsNote = state === "scaled to zero" ? "no container running: not asked (a request would start one)" : undefined;
        if (track.paused && state === "warm" && now - track.pausedAt > this.scaledownMs(track)) this.resume(track);
      }
      track.warmSince = track.live.containers ? now : undefined;
      const rate = this.sources.plan().get(track.live.name)?.cost.usdPerWarmHour;
      track.live.burnUsdPerHour = rate === undefined || track.live.containers === undefined ? undefined : rate * track.live.containers;
      if (JSON.stringify(track.live) !== before) this.emit("live", track.live);
    }
  }

  /** Adds the container-seconds since the last listing to the watched spend. */
  private accountWarmTime(track: Track, now: number): void {
    if (track.warmSince === undefined || !track.live.containers) return;
    const seconds = ((now - track.warmSince) / 1000) * track.live.containers;
    track.live.watchedWarmSeconds += seconds;
    const rate = this.sources.plan().get(track.live.name)?.cost.usdPerWarmHour ?? 0;
    track.live.watchedSpendUsd += (seconds * rate) / 3600;
  }

  private scaledownMs(track: Track): number {
    return (this.sources.plan().get(track.live.name)?.scaledownWindow ?? 300) * 1000;
  }

  private resume(track: Track): void {
    track.paused = false;
    track.lastActivity = Date.now();
    track.live.metricsNote = undefined;
    this.emit("live", track.live);
  }

  private async pollMetrics(): Promise<void> {
    await Promise.all([...this.tracks.values()].filter((t) => t.live.state === "warm" && !t.paused).map((t) => this.readMetrics(t)));
  }

  private async readMetrics(track: Track): Promise<void> {
    const page = await httpCall(`${track.endpoint.url}/metrics`, { headers: this.sources.headers, timeoutMs: this.options.requestTimeoutMs });
    if (this.stopped) return;
    const note = track.live.metricsNote;
    if (page.status !== 200) {
      track.live.metricsNote = `/metrics: ${describeOutcome(page)}`;
    } else {
      try {
        this.addSample(track, summarizeVllmMetrics(page.text), readMetrics(page.text));
        track.live.metricsNote = undefined;
      } catch (err) {
        track.live.metricsNote = `/metrics is not Prometheus text (${(err as Error).message})`;
      }
    }
    if (Date.now() - track.lastActivity > this.options.idlePauseMs) {
      track.paused = true;
      track.pausedAt = Date.now();
      track.live.metricsNote = `idle for ${Math.round(this.options.idlePauseMs / 1000)} s: metrics paused so the app can scale to zero (polling would keep it warm)`;
    }
    if (track.live.metricsNote !== note) this.emit("live", track.live);
  }

  private addSample(track: Track, m: VllmMetrics, reading: MetricsReading): void {
    const at = Date.now();
    const prev = track.previous;
    track.previous = { at, m, reading };
    const dt = prev ? (at - prev.at) / 1000 : 0;
    const rate = (now?: number, before?: number) => (dt > 0 && now !== undefined && before !== undefined && now >= before ? (now - before) / dt : undefined);
    const p = prev?.m;
    const sample: MetricsSample = {
      t: at / 1000,
      running: m.running,
      waiting: m.waiting,
      kvCacheUsage: m.kvCacheUsage,
      generationTps: rate(m.generationTokens, p?.generationTokens),
      promptTps: rate(m.promptTokens, p?.promptTokens),
      ...(prev ? measured(windowMetrics(prev.reading, reading)) : {}),
    };
    const busy = (m.running ?? 0) + (m.waiting ?? 0) > 0 || (sample.generationTps ?? 0) > 0 || (sample.promptTps ?? 0) > 0;
    if (busy) track.lastActivity = at;
    this.emit("sample", { name: track.live.name, sample });
  }

  /**
   * Starts a deployment's container on the user's request and reports the phases until `/health`
   * answers 200 (or the wait fails). Returns at once; progress comes as `live` events.
   * @returns false when the deployment is unknown or a wake is already under way.
   */
  wake(name: string): boolean {
    const track = this.tracks.get(name);
    if (!track || track.waking) return false;
    track.waking = true;
    const started = Date.now();
    const elapsed = () => Math.round((Date.now() - started) / 1000);
    const set = (phase: ColdStart["phase"], detail: string) => {
      track.live.coldStart = { phase, elapsedSeconds: elapsed(), detail };
      this.emit("live", track.live);
    };
    set("request sent", `GET ${track.endpoint.url}/health (this starts a container)`);
    const watcher = setInterval(() => void this.refreshApps(), Math.min(this.options.appsIntervalMs, 10_000));
    void waitUntilHealthy(track.endpoint, this.sources.headers, this.sources.config.proxyAuth, {
      timeoutMs: this.options.wakeTimeoutMs,
      pollMs: 3_000,
      attemptTimeoutMs: 30_000,
      onWaiting: (_ms, last) => {
        const containers = track.live.containers ?? 0;
        if (containers > 0) set("loading model", `container running; /health: ${last}`);
        else set("container starting", `Modal has not reported a running container yet; /health: ${last}`);
      },
    })
      .then((outcome) => {
        if (outcome.ready) set("healthy", `/health answered 200 after ${Math.round(outcome.waitedMs / 1000)} s`);
        else set("failed", outcome.reason);
        this.touch(name);
        return this.refreshApps();
      })
      .finally(() => {
        clearInterval(watcher);
        track.waking = false;
      });
    return true;
  }
}
