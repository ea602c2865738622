/**
 * The plan: what `pulumi up` would deploy, per deployment, computed without credentials
 * or network from checked shims.
 * @module
 */
import type { StackSettings } from "../config/schema";
import type { PreparedDeployment } from "../prepare";
import { predictEndpointUrl } from "../modal/urls";
import { SERVE_FUNCTION } from "../render/shim";

/** One deployment in the plan. Units: tokens for `maxModelLen`, seconds for `scaledownWindow`. */
export interface PlanEntry {
  name: string;
  role: string;
  app: string;
  gpu: string;
  model: string;
  revision: string;
  servedModelName: string;
  maxModelLen: number;
  kvCacheDtype: string;
  maxInputs: number;
  maxContainers: number | null;
  scaledownWindow: number;
  weights: string;
  /** Predicted web endpoint URL (workspace placeholder when not configured). */
  url: string;
  /** SHA-256 of the shim's inputs (also in the shim's header). */
  shimInputsHash: string;
  /** Things the user should know before paying for it. */
  warnings: string[];
}

const PINNED = /^[0-9a-f]{40}$/;

/** Builds the plan entries from checked deployments. */
export function buildPlan(prepared: readonly PreparedDeployment[], settings: StackSettings): PlanEntry[] {
  return prepared.map(({ name, deployment: d, shim }) => {
    const warnings: string[] = [];
    if (!PINNED.test(d.modelRevision)) {
      warnings.push(
        `modelRevision "${d.modelRevision}" is not pinned: weights may change under you; ` +
          `set qwen-code-modal:deployments.${name}.modelRevision to a 40-hex commit`,
      );
    }
    return {
      name,
      role: d.role,
      app: d.appName,
      gpu: d.gpuCount === 1 ? d.gpu : `${d.gpu}:${d.gpuCount}`,
      model: d.modelId,
      revision: d.modelRevision,
      servedModelName: d.servedModelName,
      maxModelLen: d.maxModelLen,
      kvCacheDtype: d.kvCacheDtype,
      maxInputs: d.maxInputs,
      maxContainers: d.maxContainers ?? null,
      scaledownWindow: d.scaledownWindow,
      weights: d.weights,
      url: predictEndpointUrl({
        workspace: settings.workspace,
        environment: settings.environment,
        appName: d.appName,
        functionName: SERVE_FUNCTION,
        label: d.label,
      }),
      shimInputsHash: shim.inputsHash,
      warnings,
    };
  });
}

/** Renders the plan as text for a terminal. */
export function formatPlan(entries: readonly PlanEntry[], modalVersion: string): string {
  const blocks = entries.map((e) => {
    const rows: [string, string][] = [
      ["app", e.app],
      ["gpu", e.gpu],
      ["model", `${e.model} @ ${e.revision} (served as ${e.servedModelName})`],
      ["context", `${e.maxModelLen.toLocaleString("en-US")} tokens, KV cache ${e.kvCacheDtype}`],
      ["concurrency", `${e.maxInputs} inputs/container, max containers ${e.maxContainers ?? "unlimited"}, scale to zero after ${e.scaledownWindow} s idle`],
      ["weights", e.weights === "image" ? "baked into the image" : "Modal Volume cache"],
      ["endpoint", `${e.url}  (OpenAI base URL: ${e.url}/v1, proxy auth)`],
    ];
    const lines = rows.map(([k, v]) => `  ${k.padEnd(12)} ${v}`);
    return [`${e.name} (${e.role})`, ...lines, ...e.warnings.map((w) => `  warning: ${w}`)].join("\n");
  });
  return `${blocks.join("\n\n")}\n\nShims checked by the modal SDK ${modalVersion}: OK.`;
}
