/**
 * Every `modal` CLI call the project makes (deploy, app stop, app list, billing rates), through
 * execa. One set of rules for all of them:
 * - the child gets only the variables it needs ({@link modalChildEnv}): Modal's own `MODAL_*`
 *   settings and what a Python CLI needs to run (PATH, HOME, locale, TLS trust, proxies), never
 *   the caller's whole environment (proxy tokens, HF tokens, cloud keys);
 * - the exit code is the verdict; a non-zero exit is an error unless modal's message is one of
 *   the few known, exact messages that mean "already done" (see {@link modalAppStop});
 * - JSON is parsed from stdout only; stderr (warnings, deprecation notes) never reaches the parser;
 * - output is streamed line by line, redacted, and a failure becomes a {@link ModalCliError}
 *   naming the command, the exit code and the redacted tail of modal's output.
 *
 * Errors are plain `Error` objects with extra fields, not a subclass, recognised by
 * {@link isModalCliError}. (When Pulumi's closure serializer still copied this module into state, it
 * turned a `class … extends Error` into a function whose instances carried no message, and the user
 * saw `error: Unknown Error`; providers are now loaded from the build: ./build-provider.ts.)
 *
 * Message texts are modal 1.6.4's (`.venv/…/modal/cli/app.py`, `modal/__main__.py`,
 * `modal/_output/rich.py` `format_error_message`).
 * @module
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { execa as Execa } from "execa";
import { z } from "zod";
import { parseDeployOutput, type DeployResult } from "./deploy-output";
import { redact } from "@qwen-code-modal/contract/redact";
import { childVariables } from "../core/child-env";

/** How to run the modal CLI. */
export interface ModalCliContext {
  /** Path or name of the `modal` executable. */
  cli: string;
  /** Modal environment (`-e`); omitted to use the profile's / `MODAL_ENVIRONMENT`'s. */
  environment?: string;
  /** The child's whole environment; build it with {@link modalChildEnv}. */
  env: Record<string, string>;
  /** Receives each output line, already redacted. */
  onLine?: (line: string) => void;
  /** Stops the command (killed; the call then ends as if modal could not run). */
  signal?: AbortSignal;
  /** Keep only the last lines of the output (for a command that streams without end, like a logs follow). */
  tailOnly?: boolean;
}

/**
 * Variables a `modal` child needs besides Modal's own: to find programs and its home
 * (`~/.modal.toml`), locale, temp dir, TLS trust stores and HTTP(S) proxies (grpclib/aiohttp).
 */
export const MODAL_CHILD_PASSTHROUGH = [
  "PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ",
  "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
  "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
] as const;

/**
 * The environment of a `modal` child: `MODAL_*` variables (Modal's settings: token, environment,
 * profile, config path, server URL; modal 1.6.4 `modal/config.py` reads `MODAL_<SETTING>`), minus
 * the proxy-auth tokens (`MODAL_PROXY_*`: they are for calling endpoints, not for the CLI), plus
 * {@link MODAL_CHILD_PASSTHROUGH}, plus fixed settings for plain, unbuffered, unwrapped output
 * (`COLUMNS` keeps rich from wrapping long lines, including `--json` output).
 * @param vars - the resolved variables (process environment over .env).
 * @param credentials - explicit credentials; they override `MODAL_TOKEN_ID`/`MODAL_TOKEN_SECRET`.
 */
export function modalChildEnv(
  vars: Readonly<Record<string, string | undefined>>,
  credentials?: { tokenId: string; tokenSecret: string },
): Record<string, string> {
  const env = childVariables(vars, { names: MODAL_CHILD_PASSTHROUGH, prefixes: ["MODAL_"], except: ["MODAL_PROXY_"] });
  if (credentials) Object.assign(env, { MODAL_TOKEN_ID: credentials.tokenId, MODAL_TOKEN_SECRET: credentials.tokenSecret });
  return { ...env, PYTHONUNBUFFERED: "1", TERM: "dumb", NO_COLOR: "1", COLUMNS: "1000" };
}

/** A failed `modal` command: a plain Error (see the module note) with these fields. */
export interface ModalCliError extends Error {
  name: "ModalCliError";
  /** The command as run, e.g. `modal app stop qcm-coder -y -e main`. */
  command: string;
  /** Its exit code; undefined when it did not exit (timed out, could not start). */
  exitCode: number | undefined;
  /** The last lines of its output (stdout and stderr, in order), redacted. */
  outputTail: string;
}

/** Creates a {@link ModalCliError}. */
export function modalCliError(command: string, exitCode: number | undefined, outputTail: string): ModalCliError {
  const message = `\`${command}\` failed${exitCode === undefined ? "" : ` (exit ${exitCode})`}:\n${outputTail}`;
  return Object.assign(new Error(message), { name: "ModalCliError" as const, command, exitCode, outputTail });
}

/** Whether `err` is a {@link ModalCliError}. */
export function isModalCliError(err: unknown): err is ModalCliError {
  return err instanceof Error && err.name === "ModalCliError" && "command" in err;
}

const TAIL_LINES = 15;

/**
 * execa, loaded when a command runs: a no-op `pulumi up` (check and diff in the provider host)
 * never loads it. Node >= 22 can `require` an ES module.
 */
function loadExeca(): typeof Execa {
  return (require("execa") as typeof import("execa")).execa;
}

/** What one modal run produced. Text is redacted. */
export interface ModalRun {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved, as a user would have seen them. */
  output: string;
}

/** The values in `env` that are secrets (tokens, keys), for redaction. */
export function secretValues(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([k]) => /TOKEN|SECRET|KEY|PASSWORD/.test(k))
    .map(([, v]) => v);
}

/**
 * Runs `modal <args> [-e ENV]` with the context's environment (and nothing else), streaming
 * redacted lines to `onLine`. The caller judges the exit code ({@link modalFailure} when it fails).
 * @throws ModalCliError when modal cannot start or runs past `timeoutSeconds`.
 */
export async function runModal(ctx: ModalCliContext, args: string[], timeoutSeconds: number): Promise<ModalRun> {
  const argv = ctx.environment ? [...args, "-e", ctx.environment] : args;
  const command = ["modal", ...argv].join(" ");
  const secrets = secretValues(ctx.env);
  const child = loadExeca()(ctx.cli, argv, {
    env: ctx.env,
    extendEnv: false,
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
  if (result.exitCode === undefined || result.timedOut) {
    const why = result.timedOut ? `timed out after ${timeoutSeconds} s` : redact(result.shortMessage ?? "could not start", secrets);
    throw modalCliError(command, undefined, `${why}\n${lines.slice(-TAIL_LINES).join("\n")}`.trim());
  }
  return {
    command,
    exitCode: result.exitCode,
    stdout: redact(String(result.stdout ?? ""), secrets),
    stderr: redact(String(result.stderr ?? ""), secrets),
    output: lines.join("\n"),
  };
}

/**
 * Throws the {@link ModalCliError} of a failed run: its command, exit code and output tail.
 * @param why - what was wrong besides the exit code (e.g. `stdout is not an app list`).
 */
export function modalFailure(run: ModalRun, why?: string): never {
  const tail = run.output.split("\n").slice(-TAIL_LINES).join("\n");
  throw modalCliError(run.command, run.exitCode, why ? `${why}\n${tail}`.trim() : tail);
}

/**
 * `modal deploy <shim> --name <app> [--strategy recreate] [--tag TAG]`: writes the shim to a private
 * temporary folder and deploys it. Its output is a progress log only (streamed to `ctx.onLine`);
 * the endpoint URLs are read afterwards with `--json` (./endpoint-urls.ts).
 * @param timeoutSeconds - bound on the whole deploy (image builds with baked weights take minutes).
 * @throws ModalCliError when modal exits non-zero or never confirms the deploy.
 */
export async function modalDeploy(
  ctx: ModalCliContext,
  args: { appName: string; fileName: string; source: string; strategy: "rolling" | "recreate"; timeoutSeconds: number; tag?: string },
): Promise<DeployResult> {
  const dir = await mkdtemp(join(tmpdir(), "qcm-deploy-"));
  try {
    const file = join(dir, `${args.fileName}.py`);
    await writeFile(file, args.source, { mode: 0o600 });
    const argv = [
      "deploy", file, "--name", args.appName,
      ...(args.strategy === "recreate" ? ["--strategy", "recreate"] : []),
      // `--tag` (modal/cli/run.py:646): names the version in `modal app history` ([a-zA-Z0-9._-]{1,50}, runner.py:633).
      ...(args.tag ? ["--tag", args.tag] : []),
    ];
    const run = await runModal(ctx, argv, args.timeoutSeconds);
    if (run.exitCode !== 0) modalFailure(run);
    const result = parseDeployOutput(run.output);
    if (!result.confirmed) modalFailure(run, "modal exited 0 but never confirmed the deploy (no `App deployed in …` or `Deployment skipped`)");
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `modal app stop <app> -y`. Exit 0 means stopped. A non-zero exit counts as "already gone" only
 * for modal 1.6.4's two exact messages, each a whole line of stderr wherever it stands (modal may
 * print a `Did you mean:` hint block after the error, cli/_suggest.py `format_hint`, and warnings
 * before it):
 * - `App is already stopped.` (optionally `(Stopped at … by '…').`): `SystemExit` in
 *   `cli/app.py:398-405` `stop`;
 * - `Error: No App with name '<app>' found in the '<environment>' environment.`: `NotFoundError`
 *   from `resolve_app_identifier` (cli/app.py:111-113), printed by `modal/__main__.py` with
 *   `format_error_message`'s `Error:` prefix (_output/rich.py:230); the app name must be this
 *   app's and, when an environment was given, the environment must be it. The hint block that may
 *   follow names other apps (close names); it is never matched.
 *
 * Anything else (an unknown environment, an auth error, a network error, another app's message)
 * is an error: treating it as gone would drop the app from state while it still runs.
 * @returns `"stopped"` or `"already-gone"`.
 * @throws ModalCliError for any other failure.
 */
export async function modalAppStop(ctx: ModalCliContext, appName: string, timeoutSeconds = 120): Promise<"stopped" | "already-gone"> {
  const run = await runModal(ctx, ["app", "stop", appName, "-y"], timeoutSeconds);
  if (run.exitCode === 0) return "stopped";
  if (run.exitCode === 1 && stopSaysGone(run.stderr, appName, ctx.environment)) return "already-gone";
  modalFailure(run);
}

/** Whether a failed `modal app stop`'s stderr holds one of the "already gone" lines for this app (see {@link modalAppStop}). */
export function stopSaysGone(stderr: string, appName: string, environment?: string): boolean {
  const env = environment ? escapeRegExp(environment) : "[^']+";
  const alreadyStopped = /^App is already stopped\.( \((Stopped|Finished) at .*\)\.)?$/;
  const notFound = new RegExp(`^Error: No App with name '${escapeRegExp(appName)}' found in the '${env}' environment\\.$`);
  return stderr.split("\n").some((line) => alreadyStopped.test(line.trim()) || notFound.test(line.trim()));
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
 * Runs a modal command and returns its stdout (redacted), for commands that print a result
 * there (`--json`); stderr is shown in the log and the error tail, never returned.
 * @throws ModalCliError when modal exits non-zero.
 */
export async function modalStdout(ctx: ModalCliContext, args: readonly string[], timeoutSeconds: number): Promise<string> {
  const run = await runModal(ctx, [...args], timeoutSeconds);
  if (run.exitCode !== 0) modalFailure(run);
  return run.stdout;
}

/**
 * Runs a modal command that prints JSON (`--json`) and parses all of its stdout; stderr
 * (warnings, deprecation boxes with brackets) never reaches the parser.
 * @returns the run (for {@link modalFailure} when the JSON has the wrong shape) and the value.
 * @throws ModalCliError when modal exits non-zero or stdout is not JSON.
 */
export async function modalJson(ctx: ModalCliContext, args: string[], timeoutSeconds: number): Promise<{ run: ModalRun; json: unknown }> {
  const run = await runModal({ ...ctx, onLine: undefined }, args, timeoutSeconds);
  if (run.exitCode !== 0) modalFailure(run);
  try {
    return { run, json: JSON.parse(run.stdout) };
  } catch {
    modalFailure(run, "stdout is not JSON");
  }
}

/**
 * `modal app list --json`.
 * @param timeoutSeconds - bound on the call (default 120 s).
 * @throws ModalCliError when modal fails or prints something that is not the expected JSON.
 */
export async function modalAppList(ctx: ModalCliContext, timeoutSeconds = 120): Promise<AppListRow[]> {
  const { run, json } = await modalJson(ctx, ["app", "list", "--json"], timeoutSeconds);
  const rowSchema = z.object({
    app_id: z.string(),
    description: z.string(),
    state: z.string(),
    tasks: z.union([z.string(), z.number()]),
    created_at: z.string().nullable().optional(),
    stopped_at: z.string().nullable().optional(),
  });
  const parsed = z.array(rowSchema).safeParse(json);
  if (!parsed.success) modalFailure(run, "stdout is not an app list");
  return parsed.data;
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
