/**
 * The agent-protocol conformance suite: every check a deployment must pass before a coding agent
 * can use it, each naming the upstream failure it guards and where that failure is reported. One
 * suite for `smoke`, the deploy gate (./gate.ts, run by the ModalApp provider after `modal deploy`)
 * and `bench --check`; docs/agent-endpoints.md lists it.
 * @module
 */
import type { Endpoint, ImageEditEndpoint } from "@qwen-code-modal/contract";
import {
  checkLiteralToolCallText,
  checkLongPrompt,
  checkModels,
  checkParallelToolCalls,
  checkToolCall,
  checkToolResultAnswered,
  checkVision,
  checkVisionMaxImages,
  checkVisionScreenshot4k,
  type CheckCall,
  type CheckResult,
} from "./openai";
import { checkAnthropicToolUse, checkCountTokens } from "./anthropic";
import { checkImageEdit, checkImageEditModels } from "./image-edit";

/** The upstream failure a check guards: a short name and its public report(s). */
export interface GuardedFailure {
  /** e.g. `tool call left in content`. */
  failure: string;
  /** Issue or source references, e.g. `vllm-project/vllm#22975`. */
  sources: readonly string[];
}

/** One check of the suite. */
export interface ConformanceCheck {
  /** Stable id (`coder.parallel-tool-calls`), for docs and tests. */
  id: string;
  guards: GuardedFailure;
  /** Runs it against a healthy endpoint; never throws for the endpoint's failure. */
  run(endpoint: Endpoint, call: CheckCall): Promise<CheckResult>;
}

/** A check's outcome with the failure it guards. */
export interface ConformanceResult extends CheckResult {
  id: string;
  guards: GuardedFailure;
}

const MODELS: ConformanceCheck = {
  id: "models",
  guards: { failure: "served model name missing (a rolling deploy still answering with the old version)", sources: ["modal.com/docs/guide/deploy (rolling deploys)"] },
  run: checkModels,
};

/** The coder's checks: qwen-code's OpenAI API, then Claude Code's Anthropic API. */
export const CODER_CHECKS: readonly ConformanceCheck[] = [
  MODELS,
  {
    id: "coder.streamed-tool-call",
    guards: { failure: "tool call left in content as <tool_call> text", sources: ["vllm-project/vllm#22975", "vllm-project/vllm#30439", "QwenLM/qwen-code#124"] },
    run: checkToolCall,
  },
  {
    id: "coder.parallel-tool-calls",
    guards: { failure: "IndexError 500 mid-stream on parallel qwen3_coder calls", sources: ["vllm-project/vllm#34322", "QwenLM/qwen-code#124"] },
    run: checkParallelToolCalls,
  },
  {
    id: "coder.literal-tool-call-text",
    guards: { failure: "stream goes silent when prose holds a literal <tool_call>", sources: ["noonghunna/club-3090#72", "noonghunna/club-3090#145"] },
    run: checkLiteralToolCallText,
  },
  {
    id: "coder.tool-result",
    guards: { failure: "tool result not answered (agent loop stalls after a call)", sources: ["QwenLM/qwen-code#124"] },
    run: checkToolResultAnswered,
  },
  {
    id: "coder.long-prompt",
    guards: { failure: "long agent context refused below maxModelLen", sources: ["vllm-project/vllm#44576"] },
    run: checkLongPrompt,
  },
  {
    id: "coder.anthropic-tool-use",
    guards: { failure: "Claude Code's /v1/messages requests fail on a custom base URL", sources: ["vllm-project/vllm#44576", "anthropics/claude-code#25742", "anthropics/claude-code#89211"] },
    run: checkAnthropicToolUse,
  },
  {
    id: "coder.count-tokens",
    guards: { failure: "/v1/messages/count_tokens missing", sources: ["BerriAI/litellm#13252"] },
    run: checkCountTokens,
  },
];

/** The VLM's checks. */
export const VLM_CHECKS: readonly ConformanceCheck[] = [
  MODELS,
  {
    id: "vlm.images-reasoning",
    guards: { failure: "reasoning mixed into the answer (<think> in content)", sources: ["vllm docs: reasoning outputs (--reasoning-parser qwen3)"] },
    run: checkVision,
  },
  {
    id: "vlm.max-images",
    guards: { failure: "more images than --limit-mm-per-prompt refused", sources: ["vllm docs: multimodal inputs (limit_mm_per_prompt)"] },
    run: checkVisionMaxImages,
  },
  {
    id: "vlm.screenshot-4k",
    guards: { failure: "a 4K screenshot refused or over the context (no max_pixels resize)", sources: ["QwenLM/Qwen3-VL README (min_pixels/max_pixels)"] },
    run: checkVisionScreenshot4k,
  },
];

/** The checks of a model endpoint, by role. */
export function checksFor(endpoint: Endpoint): readonly ConformanceCheck[] {
  return endpoint.role === "vlm" ? VLM_CHECKS : CODER_CHECKS;
}

/** The image-edit deployment's checks (the job API, not an LLM). */
export const IMAGE_EDIT_CHECKS: readonly { id: string; guards: GuardedFailure }[] = [
  { id: "models", guards: MODELS.guards },
  { id: "image-edit.job", guards: { failure: "an edit job never finishes (GPU function not reachable from the web function)", sources: ["modal.com/docs/guide/job-queue"] } },
];

/**
 * Runs a model endpoint's checks in order; after `/v1/models` fails nothing else runs (the wrong
 * version answers), otherwise every check runs, so one report shows every failure.
 * @param onResult - called as each check finishes.
 */
export async function runConformance(endpoint: Endpoint, call: CheckCall, onResult?: (r: ConformanceResult) => void): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  for (const check of checksFor(endpoint)) {
    const r: ConformanceResult = { ...(await check.run(endpoint, call)), id: check.id, guards: check.guards };
    results.push(r);
    onResult?.(r);
    if (!r.ok && check === MODELS) break;
  }
  return results;
}

/**
 * Runs the image-edit checks: `/v1/models`, then one short job end to end.
 * @param jobTimeoutMs - the job's bound, GPU cold start included.
 */
export async function runImageEditConformance(
  endpoint: ImageEditEndpoint,
  headers: Record<string, string>,
  timing: { requestTimeoutMs: number; jobTimeoutMs: number; pollMs: number },
  onResult?: (r: ConformanceResult) => void,
): Promise<ConformanceResult[]> {
  const [models, job] = IMAGE_EDIT_CHECKS;
  const results: ConformanceResult[] = [];
  const add = (r: CheckResult, c: (typeof IMAGE_EDIT_CHECKS)[number]) => {
    const full = { ...r, id: c.id, guards: c.guards };
    results.push(full);
    onResult?.(full);
    return r.ok;
  };
  if (add(await checkImageEditModels(endpoint, headers, timing.requestTimeoutMs), models)) {
    add(await checkImageEdit(endpoint, headers, timing.jobTimeoutMs, timing.pollMs), job);
  }
  return results;
}
