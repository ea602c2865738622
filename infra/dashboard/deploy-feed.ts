/**
 * Launch progress from the deploy-events file that the ModalApp provider appends to during
 * `pulumi up` / `pulumi destroy` (infra/provider/deploy-events.ts): the file is followed as it
 * grows, and each app's latest deploy is reduced to a phase and a percentage.
 *
 * Phases of a deploy (from `modal deploy` output, read by the provider's one reader of it,
 * ../provider/deploy-output.ts `deployLinePhase`): 0 % started → 25 % image (`Building image`) →
 * 50 % objects (`Created objects`, `Created Function serve`) → 100 % deployed (the provider's
 * `done`), or failed. A stop goes
 * 0 % stopping → 100 % stopped. What follows a deploy (the first container's cold start) is the
 * monitor's job (./monitor.ts).
 * @module
 */
import { openSync, readSync, closeSync, statSync, unwatchFile, watchFile } from "node:fs";
import type { DeployEvent, DeployOp } from "../provider/deploy-events";
import { deployLinePhase } from "../provider/deploy-output";

/** One app's latest deploy or stop, as the page shows it. */
export interface DeployProgress {
  app: string;
  op: DeployOp;
  state: "running" | "done" | "failed";
  /** 0, 25, 50 or 100. */
  percent: number;
  /** Phase name: started, image, objects, deployed, failed, stopping, stopped. */
  phase: string;
  /** ISO time the run started. */
  startedAt: string;
  /** ISO time of the latest event. */
  updatedAt: string;
  /** The latest output line (or the failure). */
  lastLine?: string;
  urls?: Record<string, string>;
}

/** Folds one event into the apps' progress (a `start` begins a new run for its app). */
export function applyDeployEvent(progress: Map<string, DeployProgress>, e: DeployEvent): DeployProgress | undefined {
  const current = progress.get(e.app);
  let next: DeployProgress | undefined;
  if (e.kind === "start") {
    next = { app: e.app, op: e.op, state: "running", percent: 0, phase: e.op === "deploy" ? "started" : "stopping", startedAt: e.at, updatedAt: e.at };
  } else if (!current) {
    return undefined;
  } else if (e.kind === "line") {
    const phase = deployLinePhase(e.text);
    const percent = current.op === "deploy" ? Math.max(current.percent, phase === "objects" ? 50 : phase === "image" ? 25 : 0) : current.percent;
    next = { ...current, percent, phase: percent === current.percent ? current.phase : percent === 50 ? "objects" : "image", lastLine: e.text, updatedAt: e.at };
  } else if (e.kind === "done") {
    next = { ...current, state: "done", percent: 100, phase: e.op === "deploy" ? "deployed" : "stopped", urls: e.urls, updatedAt: e.at };
  } else {
    next = { ...current, state: "failed", phase: "failed", lastLine: e.text, updatedAt: e.at };
  }
  progress.set(e.app, next);
  return next;
}

/** Parses one line of the file; undefined for a torn or foreign line. */
export function parseDeployEvent(line: string): DeployEvent | undefined {
  try {
    const e = JSON.parse(line) as DeployEvent;
    return typeof e?.app === "string" && typeof e.at === "string" && ["start", "line", "done", "failed"].includes(e.kind) ? e : undefined;
  } catch {
    return undefined;
  }
}

/** How much of an existing file is read at start, bytes: enough for the last runs. */
const HISTORY_BYTES = 256 * 1024;

/**
 * Follows the events file: reads its recent history, then every new line as it is appended
 * (polled with `fs.watchFile`; a file that shrinks was rotated and is read from its start).
 */
export class DeployFeed {
  readonly progress = new Map<string, DeployProgress>();
  /** The most recent events, oldest first (at most {@link DeployFeed.keep}). */
  readonly recent: DeployEvent[] = [];
  private offset = 0;
  private partial = "";

  /**
   * @param path - the events file (it may not exist yet).
   * @param onEvent - called for each new event after start, with the app's progress after it.
   * @param intervalMs - how often the file's size is checked, milliseconds.
   */
  constructor(
    readonly path: string,
    private readonly onEvent: (event: DeployEvent, progress: DeployProgress | undefined) => void,
    private readonly intervalMs = 500,
    readonly keep = 200,
  ) {}

  /** Reads the history and starts following. */
  start(): void {
    const size = this.size();
    this.offset = Math.max(0, size - HISTORY_BYTES);
    this.read(size, false);
    watchFile(this.path, { interval: this.intervalMs, persistent: false }, () => this.read(this.size(), true));
  }

  stop(): void {
    unwatchFile(this.path);
  }

  private size(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  private read(size: number, notify: boolean): void {
    if (size < this.offset) {
      this.offset = 0;
      this.partial = "";
    }
    if (size === this.offset) return;
    const buffer = Buffer.alloc(size - this.offset);
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch {
      return;
    }
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    const startedMidFile = this.offset > 0 && !notify && this.recent.length === 0;
    this.offset = size;
    const lines = (this.partial + buffer.toString("utf8")).split("\n");
    this.partial = lines.pop() ?? "";
    if (startedMidFile) lines.shift(); // the first line may be cut
    for (const line of lines) {
      const event = parseDeployEvent(line);
      if (!event) continue;
      const progress = applyDeployEvent(this.progress, event);
      this.recent.push(event);
      if (this.recent.length > this.keep) this.recent.shift();
      if (notify) this.onEvent(event, progress);
    }
  }
}
