/**
 * `ModalApp`: a Pulumi dynamic resource for one deployed Modal app, driven by the `modal` CLI.
 *
 * - diff: by a hash of the rendered shim and deploy options; nothing changed → no `modal` call.
 * - create/update: `modal deploy` (`--strategy recreate` when the app may run one container,
 *   since a rolling deploy would need a second one); endpoint URLs parsed from its output;
 *   output streamed to the Pulumi log.
 * - delete: `modal app stop NAME -y`; an app already stopped or not found (modal's exact
 *   messages) is not an error; anything else is.
 * - read (`pulumi refresh`): `modal app list --json`; an app no longer deployed drops out of state.
 * - deploy and stop progress also goes to the local deploy-events file (./deploy-events.ts), which
 *   the `dashboard` follows.
 *
 * Inputs describe the app and nothing else (name, environment, shim, strategy, deploy timeout).
 * The modal CLI, the credentials and the .env file belong to the machine running the operation:
 * they are resolved when it runs (./operation-env.ts; stack-config credentials arrive through
 * `configure`), so none of them is stored in state.
 *
 * This object is serialized into state by Pulumi's closure serializer and run in the provider
 * host: it throws plain Errors only (see ./modal-cli.ts), and everything it calls is reached
 * through module imports the serializer can capture (tests/provider/serialize, tests/engine).
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import { canonicalJson, sha256 } from "../render/hash";
import { appendDeployEvent } from "./deploy-events";
import { modalAppList, modalAppStop, modalDeploy, type ModalCliContext } from "./modal-cli";
import { operationEnvironment, type ConfiguredCredentials } from "./operation-env";

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
}

/** Provider state: the inputs plus what the deploy reported. */
export interface ModalAppOutputs extends ModalAppInputs {
  /** SHA-256 of what was deployed (shim + options). */
  deployHash: string;
  /** Web endpoint URL per function. */
  urls: Record<string, string>;
}

/** Hash of everything that, when changed, needs a new `modal deploy`. */
export function deployHash(i: Pick<ModalAppInputs, "appName" | "environment" | "shimSource" | "strategy">): string {
  return sha256(canonicalJson({ appName: i.appName, environment: i.environment ?? null, shimSource: i.shimSource, strategy: i.strategy }));
}

/** The dynamic provider, with the stack-config credentials `configure` found. */
export interface ModalAppProvider extends pulumi.dynamic.ResourceProvider {
  /** Set by `configure`: `qwen-code-modal:modalTokenId` / `modalTokenSecret`, if the stack has them. */
  configured: ConfiguredCredentials;
}

/** The modal CLI context of one operation on app `i`. */
function cliContext(p: ModalAppProvider, i: Pick<ModalAppInputs, "appName" | "environment">, log: boolean): ModalCliContext {
  const op = operationEnvironment(p.configured);
  return {
    cli: op.cli,
    env: op.env,
    environment: i.environment,
    onLine: log
      ? (line) => {
          pulumi.log.info(`[modal ${i.appName}] ${line}`);
          appendDeployEvent(op.eventsPath, { app: i.appName, kind: "line", text: line });
        }
      : undefined,
  };
}

async function deploy(p: ModalAppProvider, i: ModalAppInputs): Promise<ModalAppOutputs> {
  const events = operationEnvironment(p.configured).eventsPath;
  appendDeployEvent(events, { app: i.appName, kind: "start", op: "deploy" });
  try {
    const result = await modalDeploy(cliContext(p, i, true), {
      appName: i.appName,
      fileName: i.deploymentName,
      source: i.shimSource,
      strategy: i.strategy,
      timeoutSeconds: i.deployTimeoutSeconds,
    });
    appendDeployEvent(events, { app: i.appName, kind: "done", op: "deploy", urls: result.urls });
    return { ...appInputs(i), deployHash: deployHash(i), urls: result.urls };
  } catch (err) {
    appendDeployEvent(events, { app: i.appName, kind: "failed", op: "deploy", text: (err as Error).message });
    throw err;
  }
}

/** Only the input fields (state written by an older provider may hold more). */
function appInputs(i: ModalAppInputs): ModalAppInputs {
  const { appName, environment, deploymentName, shimSource, strategy, deployTimeoutSeconds } = i;
  return { appName, ...(environment === undefined ? {} : { environment }), deploymentName, shimSource, strategy, deployTimeoutSeconds };
}

/** The dynamic provider. Exported for tests, which drive it directly against a modal CLI stand-in. */
export const modalAppProvider: ModalAppProvider = {
  configured: {},

  async configure(req: pulumi.dynamic.ConfigureRequest) {
    this.configured = { tokenId: req.config.get("modalTokenId"), tokenSecret: req.config.get("modalTokenSecret") };
  },

  async check(_olds: ModalAppInputs, news: ModalAppInputs) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (!news.appName) failures.push({ property: "appName", reason: "must be a Modal app name" });
    if (!news.shimSource?.includes("modal.App(")) failures.push({ property: "shimSource", reason: "must be a rendered Modal shim" });
    if (news.strategy !== "rolling" && news.strategy !== "recreate") failures.push({ property: "strategy", reason: 'must be "rolling" or "recreate"' });
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: ModalAppOutputs, news: ModalAppInputs) {
    const replaces = (["appName", "environment"] as const).filter((k) => (olds[k] ?? null) !== (news[k] ?? null));
    const redeploy = olds.deployHash !== deployHash(news);
    const recorded = olds.deploymentName !== news.deploymentName || olds.deployTimeoutSeconds !== news.deployTimeoutSeconds;
    return { changes: replaces.length > 0 || redeploy || recorded, replaces, deleteBeforeReplace: false };
  },

  async create(inputs: ModalAppInputs) {
    const outs = await deploy(this as ModalAppProvider, inputs);
    return { id: inputs.appName, outs };
  },

  async update(_id: string, olds: ModalAppOutputs, news: ModalAppInputs) {
    // Only the file stem or the deploy timeout changed: keep the deployed app, record the new inputs.
    if (olds.deployHash === deployHash(news)) return { outs: { ...appInputs(news), deployHash: olds.deployHash, urls: olds.urls } };
    return { outs: await deploy(this as ModalAppProvider, news) };
  },

  async delete(_id: string, props: ModalAppOutputs) {
    const events = operationEnvironment((this as ModalAppProvider).configured).eventsPath;
    appendDeployEvent(events, { app: props.appName, kind: "start", op: "stop" });
    const outcome = await modalAppStop(cliContext(this as ModalAppProvider, props, false), props.appName).catch((err: Error) => {
      appendDeployEvent(events, { app: props.appName, kind: "failed", op: "stop", text: err.message });
      throw err;
    });
    appendDeployEvent(events, { app: props.appName, kind: "done", op: "stop" });
    pulumi.log.info(`[modal ${props.appName}] ${outcome === "stopped" ? "app stopped" : "app was already stopped or gone"}`);
  },

  async read(id: string, props: ModalAppOutputs) {
    const rows = await modalAppList(cliContext(this as ModalAppProvider, props, false));
    const live = rows.find((r) => r.description === props.appName && r.state === "deployed");
    // An empty id tells the engine the resource no longer exists.
    return live ? { id, props } : { id: "", props: {} };
  },
};

/** Arguments of a {@link ModalApp}. */
export type ModalAppArgs = { [K in keyof ModalAppInputs]: pulumi.Input<ModalAppInputs[K]> };

/** One Modal app deployed with `modal deploy`. */
export class ModalApp extends pulumi.dynamic.Resource {
  /** Web endpoint URL per function name. */
  declare readonly urls: pulumi.Output<Record<string, string>>;
  /** SHA-256 of the deployed shim and options. */
  declare readonly deployHash: pulumi.Output<string>;

  constructor(name: string, args: ModalAppArgs, opts?: pulumi.CustomResourceOptions) {
    super(modalAppProvider, name, { ...args, urls: undefined, deployHash: undefined }, opts);
  }
}
