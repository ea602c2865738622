/**
 * Runs rendered shims through the real `modal` SDK (infra/check/modal_check.py in the
 * project's venv) and compares what Modal registered with the deployment config.
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { z } from "zod";
import type { Deployment } from "../config/schema";
import { gpuOptions, gpuSpec } from "../modal/gpus";
import { projectRoot } from "../core/paths";
import { SNAPSHOT_METHODS } from "../coldstart";
import { deploymentColdStart, SERVE_FUNCTION, SERVER_CLASS, SERVER_START_METHOD } from "../render/shim";
import { checkKey, installedModal, readCheck, writeCheck } from "./check-cache";

const webServer = z
  .union([
    z.object({ port: z.number(), startup_timeout: z.number(), requires_proxy_auth: z.boolean(), label: z.string().nullable() }),
    // An ASGI app (image-edit shims): Modal calls it in-process, no port.
    z.object({ asgi: z.literal(true), requires_proxy_auth: z.boolean(), label: z.string().nullable() }),
  ])
  .nullable();

const serverKind = z.enum(["function", "class", "server"]);

const lifecycle = z.object({ enter_snap: z.array(z.string()), enter_restore: z.array(z.string()), exit: z.array(z.string()) });

/** A Modal Server (`@app.server`) as Modal registered it: its service function's resources and HTTP config. */
const detailedAppServer = z.object({
  kind: z.literal("server"),
  gpus: z.array(z.string()).nullable(),
  volumes: z.array(z.string()),
  secrets: z.number(),
  /** The user class. */
  class: z.string(),
  /** The Server's Modal name (`name=`, else the class name; app.py:1569). */
  name: z.string(),
  http: z.object({ port: z.number(), startup_timeout: z.number(), unauthenticated: z.boolean(), routing_region: z.string().nullable(), sessioned: z.boolean() }),
  lifecycle,
});

/** A function, or a class (memory-snapshot mode), as Modal registered it (read through modal's private internals). */
const detailedServer = z.object({
  kind: z.enum(["function", "class"]),
  gpus: z.array(z.string()).nullable(),
  volumes: z.array(z.string()),
  secrets: z.number(),
  web_servers: z.record(z.string(), webServer),
  /** A class's `@modal.method`s. */
  methods: z.array(z.string()).optional(),
  lifecycle: lifecycle.optional(),
});

/** A server as the public API shows it, when a newer modal SDK no longer has the internals (modal_check.py). */
const publicServer = z.object({ kind: serverKind });

const serverReport = z.union([detailedServer, detailedAppServer, publicServer]);

/** Deploy-time options read from the shim's AST (values are literals, or `{non_literal: source}`). */
const deployTime = z.record(z.string(), z.unknown());

/** What the modal SDK reported for one shim. */
export const shimReportSchema = z.union([
  z.object({ error: z.string() }),
  z.object({
    app_name: z.string(),
    servers: z.record(z.string(), serverReport),
    deploy_time: z.record(z.string(), deployTime),
  }),
]);
export type ShimReport = z.infer<typeof shimReportSchema>;

const checkOutput = z.object({
  modal_version: z.string(),
  /** The modal version the check knows (python-shims/requirements.txt). */
  known_modal_version: z.string(),
  shims: z.record(z.string(), shimReportSchema),
  /** Pin-and-warn: a newer SDK than the known one, or the detailed tier unavailable. */
  warnings: z.array(z.string()),
});

/** The checker's answer for a batch of shims. */
export type ModalCheckOutput = z.infer<typeof checkOutput>;

/**
 * Imports each shim with the real modal SDK, offline, and returns Modal's view of it.
 * @param paths - absolute paths of shim files.
 * @param python - Python with the pinned modal SDK (the environment's `modal.python`, infra/core/environment.ts).
 * @throws Error when the venv's Python is missing (run `scripts/dev`), or the checker crashed.
 */
export async function runModalCheck(paths: string[], python: string): Promise<ModalCheckOutput> {
  const script = join(projectRoot(), "infra", "check", "modal_check.py");
  const result = await execa(python, [script, ...paths], {
    reject: false,
    // Offline and credential-free on purpose: a shim must import without reaching Modal.
    env: { MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "", PYTHONDONTWRITEBYTECODE: "1" },
    timeout: 120_000,
  });
  if (result.failed && result.exitCode === undefined) {
    throw new Error(`cannot run ${python}: ${result.shortMessage}. Run scripts/dev to create the project's venv with modal.`);
  }
  try {
    return checkOutput.parse(JSON.parse(result.stdout));
  } catch {
    throw new Error(`the modal checker failed (exit ${result.exitCode}): ${result.stderr.trim().split("\n").slice(-5).join("\n")}`);
  }
}

/** One cached modal check: the report of a shim and what the checker said around it. */
interface CachedModalReport {
  report: ShimReport;
  modal_version: string;
  known_modal_version: string;
  warnings: string[];
}

/**
 * {@link runModalCheck} with its results kept in `cacheDir` (./check-cache.ts): a shim whose source,
 * checker and modal SDK (pinned and installed) are unchanged since it last passed is not imported
 * again; the others go to the real modal SDK in one Python process. With every shim cached, no Python
 * starts.
 * @param shims - absolute paths and sources of the shim files.
 * @param cacheDir - the folder of cached results; undefined: no cache, every shim is checked.
 * @throws Error as {@link runModalCheck}.
 */
export async function runModalCheckCached(shims: { path: string; source: string }[], python: string, cacheDir: string | undefined): Promise<ModalCheckOutput> {
  const installed = cacheDir ? installedModal(python) : undefined;
  const root = projectRoot();
  const inputs = installed && {
    checker: await readFile(join(root, "infra", "check", "modal_check.py"), "utf8"),
    pinned: await readFile(join(root, "python-shims", "requirements.txt"), "utf8"),
    installed,
  };
  const keys = shims.map((s) => (inputs ? checkKey("modal", { ...inputs, shim: s.source }) : undefined));
  const cached = await Promise.all(keys.map((k) => (k && cacheDir ? readCheck<CachedModalReport>(cacheDir, "modal", k) : undefined)));
  const missing = shims.filter((_, i) => !cached[i]);
  const fresh = missing.length || !shims.length ? await runModalCheck(missing.map((s) => s.path), python) : undefined;
  const output: ModalCheckOutput = {
    modal_version: fresh?.modal_version ?? cached[0]!.modal_version,
    known_modal_version: fresh?.known_modal_version ?? cached[0]!.known_modal_version,
    shims: {},
    warnings: [...new Set([...(fresh?.warnings ?? []), ...cached.flatMap((c) => c?.warnings ?? [])])],
  };
  for (const [i, s] of shims.entries()) {
    const hit = cached[i];
    if (hit) {
      output.shims[s.path] = hit.report;
      continue;
    }
    const report = fresh!.shims[s.path];
    if (!report) continue;
    output.shims[s.path] = report;
    const key = keys[i];
    if (key && cacheDir && !("error" in report)) {
      await writeCheck(cacheDir, "modal", key, { report, modal_version: fresh!.modal_version, known_modal_version: fresh!.known_modal_version, warnings: fresh!.warnings });
    }
  }
  return output;
}

/**
 * Compares Modal's report of a shim with the deployment config and its cold-start plan.
 * @returns one line per mismatch; empty when Modal sees exactly what the config asks for.
 */
export function compareWithConfig(report: ShimReport, d: Deployment): string[] {
  if ("error" in report) return [`modal could not import the shim: ${report.error}`];
  const plan = deploymentColdStart(d);
  const snapshot = plan.decorator === "app.cls";
  const problems: string[] = [];
  const expect = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${what}: modal sees ${JSON.stringify(got)}, config says ${JSON.stringify(want)}`);
  };
  if (d.serving === "server") {
    compareAppServer(report, d, expect);
    return problems;
  }
  const name = snapshot ? SERVER_CLASS : SERVE_FUNCTION;
  expect("app name", report.app_name, d.appName);
  expect("servers", Object.keys(report.servers), [name]);
  const server = report.servers[name];
  if (!server) return problems;
  const opts = report.deploy_time[name] ?? {};
  expect("server kind", server.kind, snapshot ? "class" : "function");
  // Only the pinned SDK's internals show these (modal_check.py); without them the checker warned.
  if ("web_servers" in server) {
    expect("gpus", server.gpus, gpuOptions(d.gpu).map((g) => gpuSpec(g, d.gpuCount)));
    expect("volumes", server.volumes, plan.volumes.map((v) => v.mountPath).sort());
    expect("HF token secrets", server.secrets, d.hfSecretName ? 1 : 0);
    expect("web servers", Object.keys(server.web_servers), [SERVE_FUNCTION]);
    const web = server.web_servers[SERVE_FUNCTION];
    expect("web server port", web && "port" in web ? web.port : undefined, d.port);
    expect("startup timeout (s)", web && "port" in web ? web.startup_timeout : undefined, d.startupTimeout);
    expect("proxy auth", web?.requires_proxy_auth, true);
    expect("label", web?.label, d.label ?? null);
    if (snapshot) expect("lifecycle", server.lifecycle, SNAPSHOT_LIFECYCLE);
  }
  expect("timeout (s)", opts.timeout, d.timeout);
  expect("scaledown_window (s)", opts.scaledown_window, d.scaledownWindow);
  expect("max_containers", opts.max_containers, d.maxContainers);
  expect("max_inputs", opts.max_inputs, d.maxInputs);
  expect("enable_memory_snapshot", opts.enable_memory_snapshot, plan.decoratorOptions.enable_memory_snapshot);
  expect("experimental_options", opts.experimental_options, plan.decoratorOptions.experimental_options);
  return problems;
}

type Expect = (what: string, got: unknown, want: unknown) => void;

/** The lifecycle methods the modal SDK reports for a memory-snapshot class (render/shim.ts `snapshotLifecycle`, `exitMethod`). */
const SNAPSHOT_LIFECYCLE = { enter_snap: [SNAPSHOT_METHODS.enterSnap], enter_restore: [SNAPSHOT_METHODS.enterRestore], exit: [SNAPSHOT_METHODS.exit] };

/**
 * The `serving: "server"` half of {@link compareWithConfig}: one Modal Server class named
 * {@link SERVER_CLASS}, registered as {@link SERVE_FUNCTION}, behind proxy auth, with the config's
 * port, startup timeout, concurrency and autoscaling. (A Server has no function timeout: app.py:1394-1427.)
 */
function compareAppServer(report: Extract<ShimReport, { servers: unknown }>, d: Deployment, expect: Expect): void {
  const plan = deploymentColdStart(d);
  expect("app name", report.app_name, d.appName);
  expect("servers", Object.keys(report.servers), [SERVER_CLASS]);
  const server = report.servers[SERVER_CLASS];
  if (!server) return;
  expect("server kind", server.kind, "server");
  if ("http" in server) {
    expect("gpus", server.gpus, gpuOptions(d.gpu).map((g) => gpuSpec(g, d.gpuCount)));
    expect("volumes", server.volumes, plan.volumes.map((v) => v.mountPath).sort());
    expect("HF token secrets", server.secrets, d.hfSecretName ? 1 : 0);
    expect("Server name", server.name, SERVE_FUNCTION);
    expect("port", server.http.port, d.port);
    expect("startup timeout (s)", server.http.startup_timeout, d.startupTimeout);
    expect("proxy auth", !server.http.unauthenticated, true);
    const snapshot = plan.decorator === "app.cls";
    expect("lifecycle", server.lifecycle, snapshot ? SNAPSHOT_LIFECYCLE : { enter_snap: [], enter_restore: [SERVER_START_METHOD], exit: [SNAPSHOT_METHODS.exit] });
  }
  const opts = report.deploy_time[SERVER_CLASS] ?? {};
  expect("scaledown_window (s)", opts.scaledown_window, d.scaledownWindow);
  expect("max_containers", opts.max_containers, d.maxContainers);
  expect("max_concurrency", opts.max_concurrency, d.maxInputs);
  expect("target_concurrency", opts.target_concurrency, d.targetConcurrency);
  expect("enable_memory_snapshot", opts.enable_memory_snapshot, plan.decoratorOptions.enable_memory_snapshot);
  expect("experimental_options", opts.experimental_options, plan.decoratorOptions.experimental_options);
}
