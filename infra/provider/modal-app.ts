/**
 * `ModalApp`: a Pulumi dynamic resource for one deployed Modal app, driven by the `modal` CLI.
 *
 * - diff: by a hash of the rendered shim and deploy options; nothing changed → no `modal` call.
 * - create/update: `modal deploy` (`--strategy recreate` when the app may run one container,
 *   since a rolling deploy would need a second one), its output streamed to the Pulumi log as
 *   progress; then each web endpoint's URL read with `modal function info … --json` /
 *   `modal server info … --json` (./endpoint-urls.ts). A deploy whose URL cannot be read fails
 *   the create/update with one message naming the app and the command, so no state is recorded
 *   whose outputs lack a URL; a state without a URL (written by an older provider) is repaired by
 *   the next `up` (diff sees it, update reads the URL without deploying) or `refresh` (read).
 * - delete: `modal app stop NAME -y`; an app already stopped or not found (modal's exact
 *   messages) is not an error; anything else is.
 * - read (`pulumi refresh`): `modal app list --json`; an app no longer deployed drops out of state,
 *   and when the controller stopped it for the budget (its Dict's `stopped:<app>`, read with
 *   `modal dict items`), the log says so and what brings it back (`pulumi up --refresh`).
 * - read and delete fail with one clean message, as create and update do (./host-errors.ts).
 * - deploy and stop progress also goes to the local deploy-events file (./deploy-events.ts), which
 *   the `dashboard` follows.
 * - every deploy is tagged `qcm-<first 12 hex of the deploy hash>` (`modal deploy --tag`), so
 *   `modal app history` shows which config each version came from.
 * - the deploy gate (`verify` input; on unless the stack config turns it off): after the deploy,
 *   within a bound and with progress lines in the Pulumi log, the endpoint must become healthy and
 *   pass the conformance suite (infra/conformance/, via ./gate-runner.ts). If it does not: on an
 *   update, `modal app rollback` restores the previous version and the update fails, so Pulumi's
 *   state keeps the previous inputs and the old version serves; on a create, the new app is
 *   stopped and the create fails. The error names the failing check, the upstream failure it
 *   guards, what came back, and the last lines of `modal app logs`. The proxy token comes from the
 *   operation's variables, named by the input, never stored.
 *
 * Inputs describe the app and nothing else (name, environment, shim, strategy, deploy timeout).
 * The modal CLI, the credentials and the .env file belong to the machine running the operation:
 * they are resolved when it runs (./operation-env.ts; stack-config credentials arrive through
 * `configure`), so none of them is stored in state.
 *
 * The provider host loads this object from the project's build when an operation runs
 * (./build-provider.ts; nothing of it is serialized into state): tests/provider/serialize loads it
 * as the host does, tests/engine under the real engine.
 * @module
 */
// Subpaths, not the package root: the root loads Pulumi's Automation API (npm's arborist, pacote) and
// the closure serializer (TypeScript), ~0.6 s that neither the program nor the provider host uses.
import * as pulumiLog from "@pulumi/pulumi/log";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { CustomResourceOptions } from "@pulumi/pulumi/resource";
import type { Input, Output } from "@pulumi/pulumi/output";
import { BuildProviderResource } from "./build-provider";
import { canonicalJson, sha256 } from "../render/hash";
import { modalAppList, modalAppStop, modalDeploy, type ModalCliContext } from "./modal-cli";
import { readEndpointUrls } from "./endpoint-urls";
import { withCleanFailure } from "./host-errors";
import type { WebEndpoint } from "../modal/web-endpoints";
import { appendDeployEvent, type DeployOp } from "./deploy-events";
import { modalAppRollback } from "./modal-history";
import { operationEnvironment, type ConfiguredCredentials } from "./operation-env";
import { appLogsTail, runDeployGate } from "./gate-runner";
import type { Endpoint } from "@qwen-code-modal/contract";
import { modalDictItems } from "./modal-dict";

/**
 * The controller's Dict (infra/render/control-shim.ts `CONTROL_DICT`; a literal here, so that the
 * provider host does not load the renderer; tests/control checks the two agree).
 */
export const CONTROL_DICT_NAME = "qcm-control";

/** Plain inputs of a ModalApp, as the provider receives them. Units: seconds. */
export interface ModalAppInputs {
  /** Modal app name (also the resource id). */
  appName: string;
  /** Modal environment; omitted for the profile default. */
  environment?: string;
  /** Deployment name: the shim's file stem. */
  deploymentName: string;
  /** Rendered Python shim. */
  shimSource: string;
  /** Modal deployment strategy. */
  strategy: "rolling" | "recreate";
  /** Bound on one `modal deploy`, seconds. */
  deployTimeoutSeconds: number;
  /** The app's web endpoints, whose URLs are read after each deploy (absent in state written before they were an input). */
  webEndpoints: WebEndpoint[];
  /** Verify each deploy (see the module note); absent: no verification. */
  verify?: VerifyInputs;
}

/** What a deploy's gate checks. Units: seconds. */
export interface VerifyInputs {
  /** The served model name `/v1/models` must list. */
  model: string;
  /** Bound on the whole gate (cold start and checks). */
  timeoutSeconds: number;
  /** The endpoint facts the checks need (role, context length, images, parsers); `url`/`baseUrl` come from the deploy. */
  endpoint: Omit<Endpoint, "url" | "baseUrl">;
  /** Names of the variables holding the proxy-auth token id and secret (Modal-Key / Modal-Secret). */
  proxyTokenIdEnv: string;
  proxyTokenSecretEnv: string;
}

/** Provider state: the inputs plus what the deploy reported. */
export interface ModalAppOutputs extends ModalAppInputs {
  /** SHA-256 of what was deployed (shim + options). */
  deployHash: string;
  /** URL per web endpoint name (see {@link ModalAppInputs.webEndpoints}). */
  urls: Record<string, string>;
}

/** Whether `outs` lacks the URL of one of `endpoints` (state written when a URL could not be read). */
export function missingUrls(outs: Pick<ModalAppOutputs, "urls">, endpoints: readonly WebEndpoint[] | undefined): boolean {
  return (endpoints ?? []).some((e) => !outs.urls?.[e.name]);
}

/** Hash of everything that, when changed, needs a new `modal deploy`. */
export function deployHash(i: Pick<ModalAppInputs, "appName" | "environment" | "shimSource" | "strategy">): string {
  return sha256(canonicalJson({ appName: i.appName, environment: i.environment ?? null, shimSource: i.shimSource, strategy: i.strategy }));
}

/** The dynamic provider, with the stack-config credentials `configure` found. */
export interface ModalAppProvider extends dynamic.ResourceProvider {
  /** Set by `configure`: `qwen-code-modal:modalTokenId` / `modalTokenSecret`, if the stack has them. */
  configured: ConfiguredCredentials;
}

/** The modal CLI context of one operation on app `i`. */
function cliContext(p: ModalAppProvider, i: Pick<ModalAppInputs, "appName" | "environment">, log: boolean, op = operationEnvironment(p.configured)): ModalCliContext {
  return {
    cli: op.cli,
    env: op.env,
    environment: i.environment,
    onLine: log
      ? (line) => {
          pulumiLog.info(`[modal ${i.appName}] ${line}`);
          appendDeployEvent(op.eventsPath, { app: i.appName, kind: "line", text: line });
        }
      : undefined,
  };
}

/**
 * Runs a deploy or a stop with its progress in the deploy-events file (start, then done or failed),
 * for the dashboard.
 */
async function withEvents<T>(p: ModalAppProvider, app: string, op: DeployOp, run: () => Promise<T>, urls?: (t: T) => Record<string, string>): Promise<T> {
  const events = operationEnvironment(p.configured).eventsPath;
  appendDeployEvent(events, { app, kind: "start", op });
  try {
    const result = await run();
    appendDeployEvent(events, { app, kind: "done", op, ...(urls ? { urls: urls(result) } : {}) });
    return result;
  } catch (err) {
    appendDeployEvent(events, { app, kind: "failed", op, text: (err as Error).message });
    throw err;
  }
}

/** The deploy tag of a deploy hash: `qcm-` and its first 12 hex digits. */
export function deployTag(hash: string): string {
  return `qcm-${hash.slice(0, 12)}`;
}

/**
 * Deploys `i`, then verifies it when asked; a failed verification restores `previous` (an update)
 * or stops the new app (a create) and throws.
 * @throws Error (plain) naming what failed and what was restored.
 */
async function deploy(p: ModalAppProvider, i: ModalAppInputs, previous?: ModalAppOutputs): Promise<ModalAppOutputs> {
  const op = operationEnvironment(p.configured);
  const ctx = cliContext(p, i, true, op);
  const headers = i.verify ? proxyHeaders(i.verify, op.vars) : undefined;
  const hash = deployHash(i);
  const result = await modalDeploy(ctx, {
    appName: i.appName,
    fileName: i.deploymentName,
    source: i.shimSource,
    strategy: i.strategy,
    timeoutSeconds: i.deployTimeoutSeconds,
    tag: deployTag(hash),
  });
  const urls = await endpointUrls(ctx, i, "deploy");
  if (i.verify && headers) {
    const v = i.verify;
    const url = urls.serve ?? Object.values(urls)[0];
    const log = (line: string) => pulumiLog.info(`[modal ${i.appName}] ${line}`);
    let reason: string;
    if (!url) reason = "modal deploy reported no web endpoint URL";
    else {
      log(`gate: up to ${v.timeoutSeconds} s for ${url} to serve "${v.model}" and pass the conformance suite`);
      const outcome = await runDeployGate({
        endpoint: { ...v.endpoint, url, baseUrl: `${url}/v1` },
        headers,
        proxyAuth: { tokenIdEnv: v.proxyTokenIdEnv, tokenSecretEnv: v.proxyTokenSecretEnv },
        boundSeconds: v.timeoutSeconds,
        onProgress: log,
      });
      if (outcome.ok) {
        log(`gate: passed ${outcome.results.length} checks in ${outcome.seconds} s`);
        return { ...appInputs(i), deployHash: hash, urls };
      }
      reason = outcome.reason;
    }
    const logs = await appLogsTail(ctx, i.appName);
    const failure = `deploy gate of ${i.appName} failed: ${reason}`;
    const tail = `\nlast lines of \`modal app logs ${i.appName}\`:\n${logs}`;
    if (result.skipped) {
      // Modal made no new version: nothing to roll back; what serves is what served before.
      throw new Error(`${failure}. Modal skipped the deploy (no changes), so nothing was rolled back.${tail}`);
    }
    if (previous) {
      log(`gate failed; rolling back to the previous version (modal app rollback)`);
      await modalAppRollback(ctx, { appName: i.appName, strategy: i.strategy, timeoutSeconds: i.deployTimeoutSeconds });
      throw new Error(`${failure}. Rolled back to the previous version (modal app rollback); the stack keeps the previous inputs.${tail}`);
    }
    log(`gate failed; stopping the new app`);
    await modalAppStop(ctx, i.appName);
    throw new Error(`${failure}. The new app was stopped (there was no previous version to roll back to).${tail}`);
  }
  return { ...appInputs(i), deployHash: hash, urls };
}

/**
 * Reads the URLs of `i`'s web endpoints (./endpoint-urls.ts).
 * @param after - what came before, for the message: a `deploy` that succeeded, or a `refresh`.
 * @throws Error (plain) naming the app, the command and why, and what the next `up` does.
 */
async function endpointUrls(ctx: ModalCliContext, i: ModalAppInputs, after: "deploy" | "read"): Promise<Record<string, string>> {
  try {
    return await readEndpointUrls(ctx, i.appName, i.webEndpoints ?? []);
  } catch (err) {
    const before = after === "deploy" ? `modal deployed ${i.appName}, but its endpoint URL could not be read` : `the endpoint URL of ${i.appName} could not be read`;
    throw new Error(`${before}: ${(err as Error).message}. Nothing without a URL is recorded; the next \`pulumi up\` reads it again.`);
  }
}

/**
 * The proxy-auth headers for verification, from the operation's variables.
 * @throws Error (plain) naming the variables when either is unset: before anything is deployed.
 */
function proxyHeaders(v: VerifyInputs, vars: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const id = vars[v.proxyTokenIdEnv];
  const secret = vars[v.proxyTokenSecretEnv];
  if (!id || !secret) {
    throw new Error(`the deploy gate needs the proxy token to call the endpoint: set ${v.proxyTokenIdEnv} and ${v.proxyTokenSecretEnv} (environment or .env), or turn the gate off (qwen-code-modal:gate false); nothing was deployed`);
  }
  return { "Modal-Key": id, "Modal-Secret": secret };
}

/** Only the input fields (state written by an older provider may hold more). */
function appInputs(i: ModalAppInputs): ModalAppInputs {
  const { appName, environment, deploymentName, shimSource, strategy, deployTimeoutSeconds, webEndpoints, verify } = i;
  return { appName, ...(environment === undefined ? {} : { environment }), deploymentName, shimSource, strategy, deployTimeoutSeconds, webEndpoints: webEndpoints ?? [], ...(verify === undefined ? {} : { verify }) };
}

/**
 * Logs that the controller stopped `app` for the budget this month, when its Dict says so (a warning
 * with what brings it back); says nothing when the Dict cannot be read or has no such record.
 */
async function reportBudgetStop(ctx: ModalCliContext, app: string): Promise<void> {
  const items = await modalDictItems(ctx, CONTROL_DICT_NAME).catch(() => []);
  const stop = items.find((e) => e.key === `stopped:${app}`)?.value as { reason?: string; month?: string; at?: number; spent_usd?: number; budget_usd?: number } | undefined;
  if (stop?.reason !== "budget" || stop.month !== new Date().toISOString().slice(0, 7)) return;
  const at = new Date((stop.at ?? 0) * 1000).toISOString().slice(0, 16).replace("T", " ");
  pulumiLog.warn(
    `[modal ${app}] stopped by the budget at ${at} UTC ($${(stop.spent_usd ?? 0).toFixed(2)} of $${(stop.budget_usd ?? 0).toFixed(2)} this month, qcm-control); ` +
      "raise qwen-code-modal:budget.usdPerMonth, then `pulumi up --refresh` deploys it again",
  );
}

/** The dynamic provider. Exported for tests, which drive it directly against a modal CLI stand-in. */
export const modalAppProvider: ModalAppProvider = {
  configured: {},

  async configure(req: dynamic.ConfigureRequest) {
    this.configured = { tokenId: req.config.get("modalTokenId"), tokenSecret: req.config.get("modalTokenSecret") };
  },

  async check(_olds: ModalAppInputs, news: ModalAppInputs) {
    const failures: dynamic.CheckFailure[] = [];
    if (!news.appName) failures.push({ property: "appName", reason: "must be a Modal app name" });
    if (!news.shimSource?.includes("modal.App(")) failures.push({ property: "shimSource", reason: "must be a rendered Modal shim" });
    if (news.strategy !== "rolling" && news.strategy !== "recreate") failures.push({ property: "strategy", reason: 'must be "rolling" or "recreate"' });
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: ModalAppOutputs, news: ModalAppInputs) {
    const replaces = (["appName", "environment"] as const).filter((k) => (olds[k] ?? null) !== (news[k] ?? null));
    const redeploy = olds.deployHash !== deployHash(news);
    const recorded = olds.deploymentName !== news.deploymentName || olds.deployTimeoutSeconds !== news.deployTimeoutSeconds ||
      canonicalJson(olds.verify ?? null) !== canonicalJson(news.verify ?? null) ||
      canonicalJson(olds.webEndpoints ?? []) !== canonicalJson(news.webEndpoints ?? []);
    // A URL missing from state (an older provider recorded a deploy without one): update reads it.
    return { changes: replaces.length > 0 || redeploy || recorded || missingUrls(olds, news.webEndpoints), replaces, deleteBeforeReplace: false };
  },

  async create(inputs: ModalAppInputs) {
    const outs = await withEvents(this as ModalAppProvider, inputs.appName, "deploy", () => deploy(this as ModalAppProvider, inputs), (o) => o.urls);
    return { id: inputs.appName, outs };
  },

  async update(_id: string, olds: ModalAppOutputs, news: ModalAppInputs) {
    // Only the file stem, the deploy timeout, the verification or the endpoints changed, or a URL is
    // missing: keep the deployed app, record the new inputs, read the URLs when one is missing.
    if (olds.deployHash === deployHash(news)) {
      const urls = missingUrls(olds, news.webEndpoints) ? await endpointUrls(cliContext(this as ModalAppProvider, news, true), news, "read") : olds.urls;
      return { outs: { ...appInputs(news), deployHash: olds.deployHash, urls } };
    }
    return { outs: await withEvents(this as ModalAppProvider, news.appName, "deploy", () => deploy(this as ModalAppProvider, news, olds), (o) => o.urls) };
  },

  async delete(_id: string, props: ModalAppOutputs) {
    const p = this as ModalAppProvider;
    const outcome = await withCleanFailure(() => withEvents(p, props.appName, "stop", () => modalAppStop(cliContext(p, props, false), props.appName)));
    pulumiLog.info(`[modal ${props.appName}] ${outcome === "stopped" ? "app stopped" : "app was already stopped or gone"}`);
  },

  async read(id: string, props: ModalAppOutputs) {
    const p = this as ModalAppProvider;
    return withCleanFailure(async () => {
      const rows = await modalAppList(cliContext(p, props, false));
      const live = rows.find((r) => r.description === props.appName && r.state === "deployed");
      if (!live) {
        await reportBudgetStop(cliContext(p, props, false), props.appName);
        // An empty id tells the engine the resource no longer exists.
        return { id: "", props: {} };
      }
      if (!missingUrls(props, props.webEndpoints)) return { id, props };
      return { id, props: { ...props, urls: await endpointUrls(cliContext(p, props, false), props, "read") } };
    });
  },
};

/** Where the provider host finds {@link modalAppProvider}: this module's build (./build-provider.ts). */
export const MODAL_APP_PROVIDER = { module: "dist/infra/provider/modal-app.js", exportName: "modalAppProvider" } as const;

/** Arguments of a {@link ModalApp}. */
export type ModalAppArgs = { [K in keyof ModalAppInputs]: Input<ModalAppInputs[K]> };

/** One Modal app deployed with `modal deploy`. */
export class ModalApp extends BuildProviderResource {
  /** Web endpoint URL per function name. */
  declare readonly urls: Output<Record<string, string>>;
  /** SHA-256 of the deployed shim and options. */
  declare readonly deployHash: Output<string>;

  constructor(name: string, args: ModalAppArgs, opts?: CustomResourceOptions) {
    super(MODAL_APP_PROVIDER, name, { ...args, urls: undefined, deployHash: undefined }, opts);
  }
}
