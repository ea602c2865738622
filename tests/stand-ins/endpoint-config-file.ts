/**
 * Writes an exported endpoint config (the file `pulumi up` writes) whose deployments are local
 * vLLM stand-ins, for tests of the commands that read it.
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { EndpointConfig, EndpointRole } from "@qwen-code-modal/contract";
import { startVllmStandIn, type VllmStandIn } from "./vllm-endpoint.js";

/** The coder's facts as the real deployment has them (served name from the stand-in). */
const ROLE_FACTS = {
  coder: { modelId: "unsloth/Qwen3-Coder-Next-FP8-Dynamic", maxModelLen: 131072, maxImagesPerPrompt: 0, toolCalling: true, reasoning: false },
  vlm: { modelId: "Qwen/Qwen3-VL-32B-Thinking-FP8", maxModelLen: 65536, maxImagesPerPrompt: 5, toolCalling: false, reasoning: true },
} as const;

/**
 * Writes `path` with one deployment per given stand-in, proxy credentials named
 * `MODAL_PROXY_TOKEN_ID` / `MODAL_PROXY_TOKEN_SECRET`.
 * @param servers - roles deployed as Modal Servers (`serving: "server"` in the file); the rest are Web Functions.
 * @returns the config written.
 */
export async function writeStandInEndpointConfig(
  path: string,
  standIns: Partial<Record<EndpointRole, Pick<VllmStandIn, "url" | "baseUrl" | "model">>>,
  servers: readonly EndpointRole[] = [],
): Promise<EndpointConfig> {
  const endpoints: EndpointConfig["endpoints"] = {};
  for (const [role, standIn] of Object.entries(standIns) as [EndpointRole, VllmStandIn][]) {
    endpoints[role] = {
      role, app: `qcm-${role}`, url: standIn.url, baseUrl: standIn.baseUrl, model: standIn.model, ...ROLE_FACTS[role],
      ...(servers.includes(role) ? { serving: "server" as const } : {}),
    };
  }
  const config: EndpointConfig = {
    version: 1,
    stack: "stand-in",
    proxyAuth: { tokenIdEnv: "MODAL_PROXY_TOKEN_ID", tokenSecretEnv: "MODAL_PROXY_TOKEN_SECRET" },
    endpoints,
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(config, null, 2));
  return config;
}

/**
 * Writes `path` for a coder and a vlm whose stand-ins are already closed: for commands that read the
 * endpoint config but must not reach an endpoint (logs, warm/cool, history, spend: they call modal).
 * @returns the config written.
 */
export async function writeOfflineEndpointConfig(path: string): Promise<EndpointConfig> {
  const coder = await startVllmStandIn({ model: "qwen3-coder-next" });
  const vlm = await startVllmStandIn({ model: "qwen3-vl" });
  try {
    return await writeStandInEndpointConfig(path, { coder, vlm });
  } finally {
    await coder.close();
    await vlm.close();
  }
}
