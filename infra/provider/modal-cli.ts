/**
 * The `modal` CLI calls the ModalApp provider makes, through execa. Each call passes
 * credentials through the child's environment only, streams its output line by line
 * (redacted), and turns a failure into a {@link ModalCliError} naming the command and the
 * tail of its output, never a secret.
 * @module
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { execa as Execa } from "execa";
import { z } from "zod";
import { parseDeployOutput, type DeployResult } from "./deploy-output";
import { redact } from "@qwen-code-modal/contract/redact";

/** How to run the modal CLI. */
export interface ModalCliContext {
  /** Path or name of the `modal` executable. */
  cli: string;
  /** Modal environment (`-e`); omitted to use the profile's default. */
  environment?: string;
  /** Extra environment for the child: MODAL_TOKEN_ID/MODAL_TOKEN_SECRET when given. */
  env: Record<string, string>;
  /** Receives each output line, already redacted. */
  onLine?: (line: string) => void;
  /** Stops the command (killed; the call then ends as if modal could not run). */
  signal?: AbortSignal;
  /** Keep only the last lines of the output (for a command that streams without end, like a logs follow). */
  tailOnly?: boolean;
}

/** A failed `modal` command. The message holds the command and the last lines of its output, redacted. */
export class ModalCliError extends Error {
  override name = "ModalCliError";
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly outputTail: string,
  ) {
    super(`\`${command}\` failed${exitCode === undefined ? "" : ` (exit ${exitCode})`}:\n${outputTail}`);
  }
}

const TAIL_LINES = 15;

/**
 * execa, loaded when a command runs. Pulumi's closure serializer records a module imported at
 * the top of the file by its resolved file (`require("execa/index.js")`), which execa's
 * `exports` map refuses; a `require("execa")` inside the function body is kept as written and
 * resolves in the provider host (Node >= 22 can `require` an ES module).
 */
function loadExeca(): typeof Execa {
  return (require("execa") as typeof import("execa")).execa;
}

/**
 * Runs `modal <args> [-e ENV]` with the context's environment, streaming redacted lines to `onLine`.
 * @returns the redacted output (stdout and stderr interleaved) and the exit code.
 * @throws ModalCliError when modal cannot start or runs past `timeoutSeconds`.
 */
export async function runModal(ctx: ModalCliContext, args: string[], timeoutSeconds: number): Promise<{ output: string; exitCode: number }> {
  const argv = ctx.environment ? [...args, "-e", ctx.environment] : args;
  const secrets = Object.values(ctx.env);
  const child = loadExeca()(ctx.cli, argv, {
    env: { ...ctx.env, PYTHONUNBUFFERED: "1", TERM: "dumb", NO_COLOR: "1" },
    all: true,
    reject: false,
    stdin: "ignore",
    timeout: timeoutSeconds * 1000,
    ...(ctx.signal ? { cancelSignal: ctx.signal } : {}),
  });
  const lines: string[] = [];
  for await (const raw of child.iterable({ from: "all" })) {
    const line = redact(String(raw), secrets);
    lines.push(line);
    if (ctx.tailOnly && lines.length > TAIL_LINES) lines.shift();
    ctx.onLine?.(line);
  }
  const result = await child;
  const output = lines.join("\n");
  const command = ["modal", ...argv].join(" ");
  if (result.exitCode === undefined || result.timedOut) {
    const why = result.timedOut ? `timed out after ${timeoutSeconds} s` : redact(result.shortMessage ?? "could not start", secrets);
    throw new ModalCliError(command, undefined, `${why}\n${lines.slice(-TAIL_LINES).join("\n")}`.trim());
  }
  return { output, exitCode: result.exitCode };
}

/** Throws the {@link ModalCliError} of a failed `modal <args>` with the tail of its output. */
export function fail(ctx: ModalCliContext, args: string[], exitCode: number, output: string): never {
  const argv = ctx.environment ? [...args, "-e", ctx.environment] : args;
  throw new ModalCliError(["modal", ...argv].join(" "), exitCode, output.split("\n").slice(-TAIL_LINES).join("\n"));
}

/**
 * `modal deploy <shim> --name <app> [--strategy recreate]`: writes the shim to a private
 * temporary folder, deploys it, and reads the endpoint URLs from the output.
 * @param timeoutSeconds - bound on the whole deploy (image builds with baked weights take minutes).
 * @throws ModalCliError when modal exits non-zero or never confirms the deploy.
 */
export async function modalDeploy(
  ctx: ModalCliContext,
  args: { appName: string; fileName: string; source: string; strategy: "rolling" | "recreate"; timeoutSeconds: number },
): Promise<DeployResult> {
  const dir = await mkdtemp(join(tmpdir(), "qcm-deploy-"));
  try {
    const file = join(dir, `${args.fileName}.py`);
    await writeFile(file, args.source, { mode: 0o600 });
    const argv = ["deploy", file, "--name", args.appName, ...(args.strategy === "recreate" ? ["--strategy", "recreate"] : [])];
    const { output, exitCode } = await runModal(ctx, argv, args.timeoutSeconds);
    const result = parseDeployOutput(output);
    if (exitCode !== 0 || !result.confirmed) fail(ctx, argv, exitCode, output);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `modal app stop <app> -y`. An app that is already stopped or not found counts as stopped.
 * @returns `"stopped"` or `"already-gone"`.
 * @throws ModalCliError for any other failure.
 */
export async function modalAppStop(ctx: ModalCliContext, appName: string): Promise<"stopped" | "already-gone"> {
  const argv = ["app", "stop", appName, "-y"];
  const { output, exitCode } = await runModal(ctx, argv, 120);
  if (exitCode === 0) return "stopped";
  // modal 1.6.4 cli/app.py: "App is already stopped." / NotFoundError "No App with name '...' found".
  if (/App is already stopped|No App with name .* found|not found/i.test(output)) return "already-gone";
  fail(ctx, argv, exitCode, output);
}

/** One row of `modal app list --json` (keys per modal 1.6.4 `cli/app.py` list_ + `_col_name_to_json_key`). */
export interface AppListRow {
  app_id: string;
  description: string;
  state: string;
  tasks: string | number;
  created_at?: string | null;
  stopped_at?: string | null;
}

/**
 * `modal app list --json`.
 * @param timeoutSeconds - bound on the call (default 120 s).
 * @throws ModalCliError when modal fails or prints something that is not the expected JSON.
 */
export async function modalAppList(ctx: ModalCliContext, timeoutSeconds = 120): Promise<AppListRow[]> {
  const argv = ["app", "list", "--json"];
  const { output, exitCode } = await runModal({ ...ctx, onLine: undefined }, argv, timeoutSeconds);
  if (exitCode !== 0) fail(ctx, argv, exitCode, output);
  // Built per call, not at module level: Pulumi serializes this function into the provider,
  // and a schema object captured by value would not survive that.
  const rowSchema = z.object({
    app_id: z.string(),
    description: z.string(),
    state: z.string(),
    tasks: z.union([z.string(), z.number()]),
    created_at: z.string().nullable().optional(),
    stopped_at: z.string().nullable().optional(),
  });
  const start = output.indexOf("[");
  const parsed = z.array(rowSchema).safeParse(start >= 0 ? safeJson(output.slice(start)) : undefined);
  if (!parsed.success) fail(ctx, argv, exitCode, `unexpected output (not an app list):\n${output}`);
  return parsed.data;
}

/** Parses text as JSON; `undefined` when it is not. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * `modal app logs <app> --follow`: streams the app's logs to `ctx.onLine` (redacted) until modal
 * ends or `ctx.signal` aborts. Reads Modal's log API: it never starts a container. modal 1.6.4
 * refuses `--follow` with `--tail`/`--since`/`--until` (cli/_logs.py `_validate_logs_args`), so
 * none is passed.
 * @param maxSeconds - bound on the whole follow (default one day).
 * @returns modal's exit code, or undefined when stopped through `ctx.signal`.
 * @throws ModalCliError when modal cannot start.
 */
export async function modalAppLogsFollow(ctx: ModalCliContext, appName: string, maxSeconds = 86_400): Promise<number | undefined> {
  try {
    return (await runModal({ ...ctx, tailOnly: true }, ["app", "logs", appName, "--follow"], maxSeconds)).exitCode;
  } catch (err) {
    if (ctx.signal?.aborted) return undefined;
    throw err;
  }
}
