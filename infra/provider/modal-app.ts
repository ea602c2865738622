/**
 * `ModalApp`: a Pulumi dynamic resource for one deployed Modal app, driven by the `modal` CLI.
 *
 * - diff: by a hash of the rendered shim and deploy options; nothing changed → no `modal` call.
 * - create/update: `modal deploy` (`--strategy recreate` when the app may run one container,
 *   since a rolling deploy would need a second one); endpoint URLs parsed from its output;
 *   output streamed to the Pulumi log.
 * - delete: `modal app stop NAME -y`; an app already gone is not an error.
 * - read (`pulumi refresh`): `modal app list --json`; an app no longer deployed drops out of state.
 * - deploy and stop progress also goes to the local deploy-events file (./deploy-events.ts), which
 *   the `dashboard` tails.
 *
 * Credentials never enter the shim or the logs. They come, in this order, from the
 * `credentials` input (a Pulumi secret, kept encrypted in state), the `pulumi` process's
 * environment, the project's `.env` file, or the modal CLI's own `~/.modal.toml`.
 *
 * Everything the provider calls is reached through module imports that Pulumi's closure
 * serializer can capture (tests/provider/serialize proves it under plain Node).
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { parse as parseDotenv } from "dotenv";
import { canonicalJson, sha256 } from "../render/hash";
import { deployEventsPath, type ModalCredentials } from "../core/environment";
import { appendDeployEvent as appendTo, type DeployEventInput } from "./deploy-events";
import { modalAppList, modalAppStop, modalDeploy, type ModalCliContext } from "./modal-cli";

export type { ModalCredentials };

/** Records deploy progress for the dashboard, in the file this operation's environment names. */
function appendDeployEvent(event: DeployEventInput): void {
  appendTo(deployEventsPath(process.env), event);
}

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
  /** The modal CLI to run. */
  modalCli: string;
  /** dotenv file with MODAL_TOKEN_ID / MODAL_TOKEN_SECRET, read at call time. */
  envFile?: string;
  /** Bound on one `modal deploy`, seconds. */
  deployTimeoutSeconds: number;
  /** Explicit credentials (from Pulumi config secrets). */
  credentials?: ModalCredentials;
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

function credentialEnv(i: Pick<ModalAppInputs, "credentials" | "envFile">): Record<string, string> {
  if (i.credentials?.tokenId && i.credentials.tokenSecret) {
    return { MODAL_TOKEN_ID: i.credentials.tokenId, MODAL_TOKEN_SECRET: i.credentials.tokenSecret };
  }
  if (process.env.MODAL_TOKEN_ID && process.env.MODAL_TOKEN_SECRET) {
    return { MODAL_TOKEN_ID: process.env.MODAL_TOKEN_ID, MODAL_TOKEN_SECRET: process.env.MODAL_TOKEN_SECRET };
  }
  if (i.envFile) {
    let fromFile: Record<string, string> = {};
    try {
      fromFile = parseDotenv(readFileSync(i.envFile));
    } catch {
      // No .env: the modal CLI falls back to ~/.modal.toml.
    }
    if (fromFile.MODAL_TOKEN_ID && fromFile.MODAL_TOKEN_SECRET) {
      return { MODAL_TOKEN_ID: fromFile.MODAL_TOKEN_ID, MODAL_TOKEN_SECRET: fromFile.MODAL_TOKEN_SECRET };
    }
  }
  return {};
}

function cliContext(i: ModalAppInputs, log: boolean): ModalCliContext {
  return {
    cli: i.modalCli,
    environment: i.environment,
    env: credentialEnv(i),
    onLine: log
      ? (line) => {
          pulumi.log.info(`[modal ${i.appName}] ${line}`);
          appendDeployEvent({ app: i.appName, kind: "line", text: line });
        }
      : undefined,
  };
}

async function deploy(i: ModalAppInputs): Promise<ModalAppOutputs> {
  appendDeployEvent({ app: i.appName, kind: "start", op: "deploy" });
  try {
    const result = await modalDeploy(cliContext(i, true), {
      appName: i.appName,
      fileName: i.deploymentName,
      source: i.shimSource,
      strategy: i.strategy,
      timeoutSeconds: i.deployTimeoutSeconds,
    });
    appendDeployEvent({ app: i.appName, kind: "done", op: "deploy", urls: result.urls });
    return { ...i, deployHash: deployHash(i), urls: result.urls };
  } catch (err) {
    appendDeployEvent({ app: i.appName, kind: "failed", op: "deploy", text: (err as Error).message });
    throw err;
  }
}

/** The dynamic provider. Exported for tests, which drive it directly against a modal CLI stand-in. */
export const modalAppProvider: pulumi.dynamic.ResourceProvider = {
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
    const otherChanges = canonicalJson([olds.credentials, olds.envFile, olds.modalCli, olds.deployTimeoutSeconds]) !==
      canonicalJson([news.credentials, news.envFile, news.modalCli, news.deployTimeoutSeconds]);
    return { changes: replaces.length > 0 || redeploy || otherChanges, replaces, deleteBeforeReplace: false };
  },

  async create(inputs: ModalAppInputs) {
    const outs = await deploy(inputs);
    return { id: inputs.appName, outs };
  },

  async update(_id: string, olds: ModalAppOutputs, news: ModalAppInputs) {
    // Only credentials or local settings changed: keep the deployed app, record the new inputs.
    if (olds.deployHash === deployHash(news)) return { outs: { ...news, deployHash: olds.deployHash, urls: olds.urls } };
    return { outs: await deploy(news) };
  },

  async delete(_id: string, props: ModalAppOutputs) {
    appendDeployEvent({ app: props.appName, kind: "start", op: "stop" });
    const outcome = await modalAppStop(cliContext(props, false), props.appName).catch((err: Error) => {
      appendDeployEvent({ app: props.appName, kind: "failed", op: "stop", text: err.message });
      throw err;
    });
    appendDeployEvent({ app: props.appName, kind: "done", op: "stop" });
    pulumi.log.info(`[modal ${props.appName}] ${outcome === "stopped" ? "app stopped" : "app was already stopped or gone"}`);
  },

  async read(id: string, props: ModalAppOutputs) {
    const rows = await modalAppList(cliContext(props, false));
    const live = rows.find((r) => r.description === props.appName && r.state === "deployed");
    // An empty id tells the engine the resource no longer exists.
    return live ? { id, props } : { id: "", props: {} };
  },
};

/** Arguments of a {@link ModalApp}; `credentials` should be a Pulumi secret. */
export type ModalAppArgs = { [K in keyof ModalAppInputs]: pulumi.Input<ModalAppInputs[K]> };

/** One Modal app deployed with `modal deploy`. */
export class ModalApp extends pulumi.dynamic.Resource {
  /** Web endpoint URL per function name. */
  declare readonly urls: pulumi.Output<Record<string, string>>;
  /** SHA-256 of the deployed shim and options. */
  declare readonly deployHash: pulumi.Output<string>;

  constructor(name: string, args: ModalAppArgs, opts?: pulumi.CustomResourceOptions) {
    super(modalAppProvider, name, { ...args, urls: undefined, deployHash: undefined }, {
      ...opts,
      additionalSecretOutputs: ["credentials"],
    });
  }
}
