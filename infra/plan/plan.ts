/**
 * The plan: what `pulumi up` would deploy, per deployment, computed without credentials or
 * network from checked shims: GPU, model, context, concurrency, endpoint URL, and the three
 * numbers to know before paying: KV-cache capacity, cost, and cold-start time.
 * @module
 */
import type { Deployment, StackSettings } from "../config/schema";
import type { PreparedDeployment } from "../prepare";
import { computeCapacity, prefixCacheTokens, sizeSessions, type CapacityReport, type SessionSizing } from "../capacity";
import { estimateCost, type CostReport } from "../cost";
import { estimateStartupSeconds } from "../coldstart";
import { GPU_TYPES, gpuOptions, gpuSpec } from "../modal/gpus";
import { predictEndpointUrl } from "../modal/urls";
import { deploymentColdStart, SERVE_FUNCTION, SERVER_CLASS } from "../render/shim";
import type { BenchResult } from "../bench/results";
import { estimateServing, type ServingPlan } from "./serving-estimates";
import { gateBoundSeconds, gateUsd } from "./gate";
import { engineSafetyWarnings } from "../config/engine-safety";

/** Capacity figures shown in the plan and stack outputs (tokens; `null` when the model is unknown). */
export interface PlanCapacity {
  verdict: CapacityReport["verdict"];
  kvBytesPerToken: number | null;
  kvCacheTokens: number | null;
  sequencesAtMaxLen: number | null;
  tokensPerInputWhenFull: number | null;
  message?: string;
}

/** Cost figures, USD, GPU time only, from the rates table or `gpuRatesUsdPerSecond`. */
export interface PlanCost extends CostReport {
  /** Estimated seconds from container start to serving (labelled estimate, docs/coldstart.md). */
  startupSeconds: number | null;
}

/** One GPU type of a fallback list: what the deployment holds and costs there (USD, tokens). */
export interface PlanGpuOption {
  /** Modal `gpu=` entry, e.g. `"H100"` or `"H100:2"`. */
  gpu: string;
  usdPerWarmHour: number;
  usdPerColdStart: number;
  usdPerIdleTail: number;
  kvCacheTokens: number | null;
  verdict: CapacityReport["verdict"];
}

/** One deployment in the plan. Units: tokens for `maxModelLen`, seconds for `scaledownWindow`. */
export interface PlanEntry {
  name: string;
  role: string;
  app: string;
  /** The first GPU type of the deployment's `gpu` (the one Modal tries first). */
  gpu: string;
  /** Every GPU type listed, in order of preference, with its capacity and cost (one entry without fallbacks). */
  gpuOptions: PlanGpuOption[];
  model: string;
  revision: string;
  servedModelName: string;
  maxModelLen: number;
  kvCacheDtype: string;
  maxInputs: number;
  maxContainers: number | null;
  scaledownWindow: number;
  coldStart: string;
  compileCache: boolean;
  /** Predicted web endpoint URL (workspace placeholder when not configured). */
  url: string;
  /** SHA-256 of the shim's inputs (also in the shim's header). */
  shimInputsHash: string;
  capacity: PlanCapacity;
  cost: PlanCost;
  /** Prefix caching, speculative decoding and sampling defaults: memory cost and expected gain (estimates). */
  serving: ServingPlan;
  /** The last `bench` result for this exact config (same shim inputs hash), or null. */
  measured: BenchResult | null;
  /** `web_server` or `server` (a Modal Server); the deployment's `serving`. */
  servingMode: Deployment["serving"];
  /** `server` mode: Modal's autoscaling target, concurrent requests per container (null: Modal's default). */
  targetConcurrency: number | null;
  /**
   * With `plan --sessions N`: how N agent sessions fit (infra/capacity/sessions.ts): sessions per
   * container, containers, and USD per hour with them all warm; null otherwise or for an unknown model.
   */
  sessions: (SessionSizing & { usdPerWarmHour: number | null }) | null;
  /** The deploy gate after each deploy: its bound (null: off) and the GPU USD one run costs. */
  gate: { boundSeconds: number | null; usdPerRun: number };
  /** Things the user should know before paying for it. */
  warnings: string[];
}

const PINNED = /^[0-9a-f]{40}$/;

function planCapacity(report: CapacityReport): PlanCapacity {
  if (!report.known) return { verdict: report.verdict, kvBytesPerToken: null, kvCacheTokens: null, sequencesAtMaxLen: null, tokensPerInputWhenFull: null, message: report.message };
  return {
    verdict: report.verdict,
    kvBytesPerToken: report.kvBytesPerToken,
    kvCacheTokens: report.kvCacheTokens,
    sequencesAtMaxLen: report.sequencesAtMaxLen,
    tokensPerInputWhenFull: report.tokensPerInputWhenFull,
    ...(report.message ? { message: report.message } : {}),
  };
}

/** Looks up the last bench result of a deployment at a config hash (null when none). */
export type MeasuredLookup = (deployment: string, configHash: string) => BenchResult | null;

/**
 * Builds the plan entries from checked deployments.
 * @param measured - the last bench results, keyed by deployment and shim inputs hash (default: none).
 */
export function buildPlan(
  prepared: readonly PreparedDeployment[],
  settings: StackSettings,
  measured: MeasuredLookup = () => null,
  team?: { sessions: number; contextTokens?: number },
): PlanEntry[] {
  return prepared.map(({ name, deployment: d, shim }) => {
    const warnings: string[] = [];
    if (!PINNED.test(d.modelRevision)) {
      warnings.push(
        `modelRevision "${d.modelRevision}" is not pinned: weights may change under you; ` +
          `set qwen-code-modal:deployments.${name}.modelRevision to a 40-hex commit`,
      );
    }
    const options = gpuOptions(d.gpu).map((gpu) => {
      const capacity = computeCapacity({ ...d, gpu });
      const startupSeconds = capacity.known ? estimateStartupSeconds({ mode: d.coldStart, compileCache: d.compileCache }, capacity.weightBytes) : null;
      const cost = estimateCost({
        gpu,
        gpuCount: d.gpuCount,
        startupSeconds: startupSeconds ?? 0,
        scaledownWindowSeconds: d.scaledownWindow,
        rateOverrides: settings.gpuRatesUsdPerSecond,
      });
      return { gpu, capacity, startupSeconds, cost };
    });
    const { capacity, startupSeconds, cost } = options[0];
    if (capacity.verdict === "warn" || capacity.verdict === "unknown") warnings.push(`capacity: ${capacity.message}`);
    for (const o of options.slice(1)) {
      const differs = o.capacity.message !== capacity.message;
      if ((o.capacity.verdict === "warn" || o.capacity.verdict === "unknown") && differs) warnings.push(`capacity on fallback ${o.gpu}: ${o.capacity.message}`);
    }
    for (const gpu of gpuOptions(d.gpu)) {
      const [major, minor] = GPU_TYPES[gpu].computeCapability;
      if (d.kvCacheDtype.startsWith("fp8") && major * 10 + minor < 89) {
        // vLLM 0.33 on sm80-sm88: FlashAttention needs sm90 for FP8 KV, Triton attention raises below sm89
        // (vllm/v1/attention/backends/triton_attn.py:514); tests/vllm shows the selection on a simulated A100.
        warnings.push(`kv cache: ${d.kvCacheDtype} on ${gpu} (sm${major}${minor}) runs only on FlashInfer's kernels in vLLM ${d.vllmVersion}, with no fallback if they fail; kvCacheDtype auto runs on every backend`);
      }
    }
    const coldStart = deploymentColdStart(d);
    warnings.push(...coldStart.notes.map((n) => `cold start (${coldStart.mode}): ${n}`));
    warnings.push(...engineSafetyWarnings(d).map((w) => `engine safety: ${w}`));
    const gateBound = gateBoundSeconds(d, settings, startupSeconds);
    const serving = estimateServing(d);
    const pc = serving.prefixCaching;
    // The prefix cache's tokens: on the hybrid coder each cached block also holds a Gated DeltaNet checkpoint (the smaller block: more of them).
    const cached = capacity.known ? prefixCacheTokens(capacity.kvCacheTokens, capacity.kvBytesPerToken, pc.mambaStateBytesPerCheckpoint ?? 0, pc.blockTokens?.[0] ?? 1) : 0;
    // Agent sessions are the coder's: the vlm answers one-off image questions.
    const sized = team && capacity.known && d.role === "coder" ? sizeSessions(cached, team.sessions, team.contextTokens) : null;
    const sessions = sized ? { ...sized, usdPerWarmHour: Number.isFinite(sized.containers) ? sized.containers * cost.usdPerWarmHour : null } : null;
    if (sized && d.maxContainers !== undefined && sized.containers > d.maxContainers) {
      warnings.push(
        `sessions: ${sized.sessions} sessions of ~${sized.contextTokens.toLocaleString("en-US")} tokens need ${sized.containers} containers, over maxContainers ${d.maxContainers}: ` +
          "the rest share caches and re-prefill; raise maxContainers or plan fewer sessions",
      );
    }
    return {
      name,
      role: d.role,
      app: d.appName,
      gpu: gpuSpec(options[0].gpu, d.gpuCount),
      gpuOptions: options.map((o) => ({
        gpu: gpuSpec(o.gpu, d.gpuCount),
        usdPerWarmHour: o.cost.usdPerWarmHour,
        usdPerColdStart: o.cost.usdPerColdStart,
        usdPerIdleTail: o.cost.usdPerIdleTail,
        kvCacheTokens: o.capacity.known ? o.capacity.kvCacheTokens : null,
        verdict: o.capacity.verdict,
      })),
      model: d.modelId,
      revision: d.modelRevision,
      servedModelName: d.servedModelName,
      maxModelLen: d.maxModelLen,
      kvCacheDtype: d.kvCacheDtype,
      maxInputs: d.maxInputs,
      maxContainers: d.maxContainers ?? null,
      scaledownWindow: d.scaledownWindow,
      coldStart: coldStart.mode,
      compileCache: d.compileCache,
      url: predictEndpointUrl({
        workspace: settings.workspace,
        environment: settings.environment,
        appName: d.appName,
        functionName: coldStart.decorator === "app.cls" ? `${SERVER_CLASS.toLowerCase()}-${SERVE_FUNCTION}` : SERVE_FUNCTION,
        label: d.label,
      }),
      shimInputsHash: shim.inputsHash,
      capacity: planCapacity(capacity),
      cost: { ...cost, startupSeconds },
      gate: { boundSeconds: gateBound ?? null, usdPerRun: gateBound === undefined ? 0 : gateUsd(cost, d.scaledownWindow) },
      serving,
      measured: measured(name, shim.inputsHash),
      servingMode: d.serving,
      targetConcurrency: d.targetConcurrency ?? null,
      sessions,
      warnings,
    };
  });
}

const usd = (n: number) => `$${n.toFixed(n < 1 ? 3 : 2)}`;

const sec = (ms: number | null) => (ms === null ? "?" : `${(ms / 1000).toFixed(2)} s`);

/** The last bench result in one line: what plan shows next to its estimates. */
export function formatMeasured(m: BenchResult): string {
  const hit = m.prefixCache?.hitRate;
  return [
    `TTFT first turn ${sec(m.ttft.firstTurnMs.p50)}, later turns ${sec(m.ttft.laterTurnsMs.p50)} (p50, ~${m.workload.contextTokens.toLocaleString("en-US")}-token contexts)`,
    `prefix-cache hit rate ${hit === null || hit === undefined ? "?" : `${(hit * 100).toFixed(1)}%`}`,
    `decode ${m.decode.perStreamTokensPerSecond.p50?.toFixed(1) ?? "?"} tok/s per stream, ${m.decode.aggregateTokensPerSecond?.toFixed(1) ?? "?"} aggregate (${m.workload.sessions} sessions)`,
    ...(m.cost?.usdPerMillionGeneratedTokens != null ? [`${usd(m.cost.usdPerMillionGeneratedTokens)}/M generated tokens`] : []),
    ...(m.cold ? [`cold start to first token ${sec(m.cold.ttftMs)}`] : []),
    `bench of ${m.at}`,
  ].join(", ");
}
const num = (n: number | null) => (n === null ? "unknown" : n.toLocaleString("en-US"));

/**
 * Renders the plan as text for a terminal.
 * @param extraBlocks - further deployments already rendered as blocks (image-edit deployments).
 * @param vllm - which vLLM checked the vllm serve commands (absent: the check was turned off).
 */
export function formatPlan(
  entries: readonly PlanEntry[],
  modalVersion: string,
  extraBlocks: readonly string[] = [],
  vllm?: { checked: string[]; unchecked: string[] },
): string {
  const blocks = entries.map((e) => {
    const c = e.capacity;
    const rows: [string, string][] = [
      ["app", e.app],
      ["gpu", e.gpuOptions.length === 1 ? e.gpu : `${e.gpuOptions.map((o) => o.gpu).join(" > ")} (in order of preference; Modal takes the first with capacity)`],
      ...(e.gpuOptions.length > 1
        ? e.gpuOptions.map((o, i): [string, string] => [i === 0 ? "per GPU" : "", `${o.gpu}: ${usd(o.usdPerWarmHour)}/warm hour, ${usd(o.usdPerColdStart)}/cold start, KV cache ${num(o.kvCacheTokens)} tokens [${o.verdict}]`])
        : []),
      ["model", `${e.model} @ ${e.revision} (served as ${e.servedModelName})`],
      ["context", `${e.maxModelLen.toLocaleString("en-US")} tokens, KV cache ${e.kvCacheDtype}`],
      [
        "concurrency",
        e.servingMode === "server"
          ? `Modal Server: target ${e.targetConcurrency ?? "Modal's default"} concurrent requests/container, at most ${e.maxInputs} (429 above), max containers ${e.maxContainers ?? "unlimited"}, scale to zero after ${e.scaledownWindow} s idle; Modal-Session-ID keeps a session on one container`
          : `${e.maxInputs} inputs/container, max containers ${e.maxContainers ?? "unlimited"}, scale to zero after ${e.scaledownWindow} s idle`,
      ],
      ["capacity", c.kvCacheTokens === null ? `unknown (${c.message})` : `KV cache ${num(c.kvCacheTokens)} tokens (${num(c.kvBytesPerToken)} B/token): ${num(c.sequencesAtMaxLen)} full-context sequences at once, ${num(c.tokensPerInputWhenFull)} tokens each with all ${e.maxInputs} inputs busy [${c.verdict}]`],
      ["cost", `${usd(e.cost.usdPerWarmHour)}/warm hour, ${usd(e.cost.usdPerColdStart)}/cold start (~${e.cost.startupSeconds === null ? "?" : Math.round(e.cost.startupSeconds)} s, estimate), ${usd(e.cost.usdPerIdleTail)} idle tail per burst (${e.scaledownWindow} s), $0 scaled to zero (rates of ${e.cost.asOf}; sources in docs/capacity.md)`],
      ["deploy gate", e.gate.boundSeconds === null ? "off (qwen-code-modal:gate false)" : `conformance suite after each deploy, bound ${e.gate.boundSeconds} s (cold-start estimate + margin), ~${usd(e.gate.usdPerRun)} GPU per deploy (a cold start, the checks, the idle tail)`],
      ...(e.sessions
        ? ([
            [
              "sessions",
              `${num(e.sessions.sessions)} agent sessions of ~${num(e.sessions.contextTokens)} tokens: ${num(e.sessions.sessionsPerContainer)} per container (prefix cache, estimate), ` +
                `${Number.isFinite(e.sessions.containers) ? `${e.sessions.containers} container(s), ${e.sessions.usdPerWarmHour === null ? "?" : usd(e.sessions.usdPerWarmHour)}/hour with all warm` : "none fits: lower the session context"}`,
            ],
          ] as [string, string][])
        : []),
      ["cold start", `${e.coldStart}, compile cache ${e.compileCache ? "on (CUDA graphs + torch.compile kept in a Volume)" : "off (--enforce-eager)"}`],
      ["endpoint", `${e.url}  (OpenAI base URL: ${e.url}/v1, proxy auth)`],
      ["prefix cache", e.serving.prefixCaching.summary],
      ["spec decode", e.serving.speculativeDecoding.summary],
      ["sampling", e.serving.sampling.summary],
      ["measured", e.measured ? formatMeasured(e.measured) : "no bench result for this config yet (`qwen-code-modal bench` after `pulumi up`)"],
    ];
    const lines = rows.map(([k, v]) => `  ${k.padEnd(12)} ${v}`);
    return [`${e.name} (${e.role})`, ...lines, ...e.warnings.map((w) => `  warning: ${w}`)].join("\n");
  });
  const vllmLines = vllm
    ? [...vllm.checked.map((v) => `vllm serve commands checked by vLLM ${v}'s parser (simulated GPU): OK.`), ...vllm.unchecked.map((u) => `Not checked by vLLM: ${u}.`)]
    : ["Not checked by vLLM (QCM_VLLM_CHECK=0)."];
  return `${[...blocks, ...extraBlocks].join("\n\n")}\n\nShims checked by the modal SDK ${modalVersion}: OK.\n${vllmLines.join("\n")}`;
}
