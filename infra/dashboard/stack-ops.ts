/**
 * `pulumi preview` and `pulumi up` of the project's stack from the page, through Pulumi's
 * Automation API (`@pulumi/pulumi/automation`, `LocalWorkspace` on the project folder): the same
 * `pulumi` CLI, engine, backend (`PULUMI_BACKEND_URL` or the logged-in one), stack and config as
 * the terminal. Progress comes from the engine's own events (`onEvent`): each resource the
 * operation finishes (`resOutputsEvent`) out of those the last preview listed, 100 % at the
 * `summaryEvent`; diagnostics and program output become progress lines.
 *
 * The Automation API is loaded when an operation first runs, not at start.
 * One operation at a time per dashboard; a stack whose lock another update holds (a terminal's
 * `pulumi up`) is refused by the engine with `ConcurrentUpdateError`, reported as such.
 * @module
 */
import type * as Automation from "@pulumi/pulumi/automation";
import type { EngineEvent, OpMap } from "@pulumi/pulumi/automation";

/** Which stack, where. */
export interface StackTarget {
  /** The stack name (as `pulumi up --stack`). */
  stack: string;
  /** The folder holding Pulumi.yaml (the project root). */
  workDir: string;
  /** The stack config file, when not `Pulumi.<stack>.yaml` beside Pulumi.yaml (as `--config-file`). */
  configFile?: string;
}

/** An operation's progress, as the page shows it. */
export interface StackProgress {
  op: "preview" | "up";
  state: "running" | "done" | "failed";
  /** 0..100. */
  percent: number;
  /** Resources finished so far, and the total the last preview listed (null when no preview ran). */
  done: number;
  total: number | null;
  /** The change summary (`create: 2`, `same: 3`, ...) once the operation ends. */
  changes?: OpMap;
  /** The latest line from the engine (diagnostic or program output). */
  line?: string;
  /** Why it failed. */
  error?: string;
}

/** Runs one operation at a time on a stack and reports its progress. */
export class StackOps {
  private running: StackProgress | undefined;
  private lastPreviewResources: number | null = null;

  constructor(
    private readonly target: StackTarget,
    private readonly onProgress: (p: StackProgress) => void,
  ) {}

  /** The operation under way, if any. */
  current(): StackProgress | undefined {
    return this.running;
  }

  /**
   * Starts `preview` or `up`; progress arrives through `onProgress` until `done` or `failed`.
   * @returns false when this dashboard already runs one.
   */
  start(op: "preview" | "up"): boolean {
    if (this.running?.state === "running") return false;
    const progress: StackProgress = { op, state: "running", percent: 0, done: 0, total: op === "up" ? this.lastPreviewResources : null };
    this.running = progress;
    this.onProgress({ ...progress });
    void this.run(progress);
    return true;
  }

  private async run(progress: StackProgress): Promise<void> {
    const seen = new Set<string>();
    const finished = new Set<string>();
    const onEvent = (event: EngineEvent) => {
      const started = event.resourcePreEvent?.metadata.urn;
      const ended = event.resOutputsEvent?.metadata.urn;
      const line = event.diagnosticEvent?.message ?? event.stdoutEvent?.message;
      if (started) seen.add(started);
      if (ended) {
        seen.add(ended);
        finished.add(ended);
      }
      if (!started && !ended && !line?.trim()) return;
      progress.done = finished.size;
      if (progress.total) progress.percent = Math.min(99, Math.floor((100 * finished.size) / progress.total));
      if (line?.trim()) progress.line = line.trim().split("\n").at(-1);
      this.onProgress({ ...progress });
    };
    // Loaded on first use: the Automation API pulls in Pulumi's whole SDK (~90 MiB of the server's memory).
    const { ConcurrentUpdateError, LocalWorkspace } = require("@pulumi/pulumi/automation") as typeof Automation;
    try {
      const stack = await LocalWorkspace.selectStack({ stackName: this.target.stack, workDir: this.target.workDir });
      const options = { onEvent, ...(this.target.configFile ? { configFile: this.target.configFile } : {}) };
      const changes = progress.op === "preview" ? (await stack.preview(options)).changeSummary : (await stack.up(options)).summary.resourceChanges;
      if (progress.op === "preview") this.lastPreviewResources = seen.size;
      Object.assign(progress, { state: "done", percent: 100, done: finished.size, changes });
    } catch (err) {
      const error =
        err instanceof ConcurrentUpdateError
          ? `another update holds the stack's lock (a \`pulumi up\` in a terminal?): wait for it to finish, or run \`pulumi cancel\` if it died`
          : lastLines((err as Error).message);
      Object.assign(progress, { state: "failed", error });
    }
    this.onProgress({ ...progress });
  }
}

/** The end of a long CLI error (the Automation API puts the whole stderr in the message). */
function lastLines(text: string): string {
  return text.trim().split("\n").filter((l) => l.trim()).slice(-6).join("\n");
}
