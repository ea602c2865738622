/**
 * The engine safety matrix: combinations of vLLM features known to misbehave on hybrid
 * (Gated DeltaNet + attention) models such as Qwen3-Coder-Next, for the pinned vLLM 0.33.0. Each
 * entry says what 0.33.0's own code does (file:line in the installed wheel,
 * ~/.cache/qwen-code-modal/vllm-0.33.0/venv, `vllm/` relative) and which public reports are still
 * open; `plan` and `pulumi preview` print them as warnings (infra/plan/plan.ts).
 *
 * Read in 0.33.0:
 * - Prefix caching on a hybrid model forces Mamba state caching to `align` mode and aligns the
 *   Mamba block to the KV block (`model_executor/models/config.py:763-779`); the Mamba manager
 *   asserts align mode (`v1/core/single_type_kv_cache_manager.py:1442-1444`). In align mode interior
 *   states can be nulled and speculative blocks relocated in place (`:1433-1435`), and with MTP
 *   extra `num_speculative_blocks` are allocated per request (`:1445`, `:1714-1715`) and a
 *   checkpoint inside them is not reusable (`:1687`). So the MTP + prefix-caching path exists in
 *   0.33.0 (not refused), but hits depend on checkpoints outside the speculative tail: the hit
 *   rate can stay at 0 (vLLM #47194, #54360) and corrupted output was reported (#53912, #45238),
 *   with fixes open (#50172, #54637, #56466). Warned, and `status` watches the hit rate.
 * - MTP with a tool-call parser: drafted tokens reach the streaming parser in bursts of several
 *   tokens; the `qwen3_coder` parser's IndexError 500 mid-stream (vLLM #34322) and the tool-call
 *   markup left in `content` (#22975) were reported on such bursts. The deploy gate's tool-call
 *   checks catch both; warned.
 * - A reasoning parser together with a tool parser on the coder: reported to interfere
 *   (noonghunna/club-3090#145); warned.
 * @module
 */
import type { Deployment } from "./schema";

/** One entry of the matrix as it applies to a deployment. */
export interface EngineSafetyFinding {
  /** Short name of the combination. */
  combination: string;
  /** What goes wrong, where 0.33.0's code shows it, and the reports. */
  warning: string;
}

/** Whether prefix caching is on (vLLM's default for this model when not set). */
const prefixCachingOn = (d: Pick<Deployment, "prefixCaching">) => d.prefixCaching?.enabled ?? true;

/** The matrix's findings for a deployment (empty when nothing applies). */
export function engineSafetyFindings(d: Pick<Deployment, "role" | "prefixCaching" | "speculativeDecoding" | "toolCallParser" | "reasoningParser" | "vllmVersion">): EngineSafetyFinding[] {
  const out: EngineSafetyFinding[] = [];
  const v = `vLLM ${d.vllmVersion}`;
  if (d.speculativeDecoding && prefixCachingOn(d)) {
    out.push({
      combination: "MTP + prefix caching",
      warning:
        `MTP with prefix caching on this hybrid model: ${v} caches Mamba state in align mode and cannot reuse a checkpoint inside the speculative blocks ` +
        "(v1/core/single_type_kv_cache_manager.py:1433-1445, 1687, 1714-1715); hits can stay at 0 (vLLM #47194, #54360) and corrupted output was reported (#53912, #45238), fixes open (#50172, #54637, #56466). " +
        "`status` warns when the hit rate stays 0; turn one of them off if it does",
    });
  }
  if (d.speculativeDecoding && d.toolCallParser) {
    out.push({
      combination: "MTP + tool parsing",
      warning:
        `MTP with the ${d.toolCallParser} tool parser: drafted tokens reach the streaming parser in bursts; an IndexError 500 mid-stream (vLLM #34322) and calls left in content (#22975) were reported. The deploy gate's tool-call checks run after each deploy`,
    });
  }
  if (d.role === "coder" && d.toolCallParser && d.reasoningParser) {
    out.push({
      combination: "reasoning parser + tool parser",
      warning: `both --reasoning-parser ${d.reasoningParser} and --tool-call-parser ${d.toolCallParser} on the coder: reported to interfere (noonghunna/club-3090#145)`,
    });
  }
  return out;
}

/** The findings as plan warning lines. */
export function engineSafetyWarnings(d: Parameters<typeof engineSafetyFindings>[0]): string[] {
  return engineSafetyFindings(d).map((f) => `${f.combination}: ${f.warning}`);
}
