// Wall time of a no-op `pulumi up --yes --skip-preview` and of `pulumi preview` under the real
// Pulumi engine (CLI, Node.js language host, dynamic provider host) for three programs on the same
// engine, measured in interleaved rounds so that the load of a shared machine hits all of them alike:
//   - this project (both default deployments deployed, the modal CLI stand-in; the modal SDK and,
//     when installed, the pinned vLLM check every shim, their passing reports cached);
//   - the same-shape floor: a TypeScript program with as many trivial dynamic resources (diff: no
//     change) and component resources as the project's state holds (tests/bench/engine-floor.ts);
//   - the empty TypeScript program.
// And `qwen-code-modal plan` (vLLM check on when installed). After the runs it prints min / median /
// max per program and command, and the project's median against the floor's and the empty
// program's (docs/engine.md: targets 1.2x the floor, plan 1 s). Every project run must be a no-op
// that makes zero modal calls (checked). Skipped with a printed reason when no `pulumi` is found.
import { bench, describe } from "vitest";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import type { Result } from "execa";
import { createEngineStack, findPulumi, type EngineStack } from "../engine/engine-stack";
import { createFloorStack, stackShape, type FloorStack } from "./engine-floor";
import { ROOT } from "../support/cli";
import { resolveEnvironment } from "../../infra/core/environment";
import { vllmInstall, vllmInstalled } from "../../infra/check/vllm-check";
import { DEFAULT_VLLM_VERSION } from "../../infra/config/defaults";
import { checkCacheDir } from "../../infra/check/check-cache";

const found = findPulumi();
if ("missing" in found) console.warn(`SKIPPED engine bench: ${found.missing}`);

/** Rounds measured, after one warm-up round. */
const ROUNDS = Number(process.env.QCM_ENGINE_BENCH_ROUNDS ?? 5);
const COMMANDS = { "up --yes --skip-preview (no-op)": ["up", "--yes", "--skip-preview", "--expect-no-changes"], "preview": ["preview", "--expect-no-changes"] } as const;
type Program = "project" | "floor" | "empty";

/**
 * The project's stack with its own cache folder holding the user's pinned vLLM (when installed) and
 * shim-check results (linked): the checks run as on the user's machine, and the measured runs read
 * the cache as a user's no-op does (the first `up` checks whatever the user's cache does not hold).
 */
async function projectStack(pulumi: string): Promise<{ stack: EngineStack; cache: string }> {
  const cache = await mkdtemp(join(tmpdir(), "qcm-bench-cache-"));
  const userCache = resolveEnvironment().cacheDir;
  const install = vllmInstall(userCache, DEFAULT_VLLM_VERSION);
  await mkdir(join(cache, "qwen-code-modal"));
  await mkdir(checkCacheDir(userCache), { recursive: true });
  await symlink(checkCacheDir(userCache), checkCacheDir(join(cache, "qwen-code-modal")));
  if (vllmInstalled(install)) {
    await symlink(install.dir, join(cache, "qwen-code-modal", `vllm-${DEFAULT_VLLM_VERSION}`));
  } else {
    console.warn(`engine bench: vLLM ${DEFAULT_VLLM_VERSION} is not installed at ${install.dir}; the project runs the modal SDK check only`);
  }
  const stack = await createEngineStack(pulumi, { MODAL_TOKEN_ID: "ak-bench1", MODAL_TOKEN_SECRET: "as-bench1", XDG_CACHE_HOME: cache });
  const up = await stack.pulumi(["up", "--yes", "--skip-preview"]);
  if (up.exitCode !== 0) throw new Error(`pulumi up failed:\n${up.all}`);
  return { stack, cache };
}

/** `qwen-code-modal plan` as a user runs it (vLLM check on; the user's cache folder). */
const plan = () =>
  execa("node", [resolve(ROOT, "dist/infra/cli/main.js"), "plan"], { cwd: ROOT, reject: false, all: true, env: { QCM_VLLM_CHECK: "1", MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "" } });

async function setUp(pulumi: string) {
  // Fills the user's check cache for the current shims first (the vLLM check can take minutes, longer
  // than a stack command's bound), as a user's `plan` before `pulumi up` does.
  const warm = await plan();
  if (warm.exitCode !== 0) throw new Error(`qwen-code-modal plan failed:\n${warm.all}`);
  const { stack: project, cache } = await projectStack(pulumi);
  const exported = await project.pulumi(["stack", "export"]);
  const shape = stackShape(exported.stdout);
  const [floor, empty] = [await createFloorStack(pulumi, shape), await createFloorStack(pulumi, { dynamic: 0, components: 0 })];
  return { project, floor, empty, shape, cache };
}
const stacks = "pulumi" in found ? await setUp(found.pulumi) : undefined;

/** Seconds per program and command, in run order. */
const times = new Map<string, number[]>();
function record(key: string, seconds: number) {
  times.set(key, [...(times.get(key) ?? []), seconds]);
}

async function timed(run: () => Promise<Result>, what: string): Promise<number> {
  const start = performance.now();
  const r = await run();
  const seconds = (performance.now() - start) / 1000;
  if (r.exitCode !== 0) throw new Error(`${what} failed:\n${r.all}`);
  return seconds;
}


/** One round: every command on every program, one after the other; then plan. */
async function round(s: { project: EngineStack; floor: FloorStack; empty: FloorStack }, keep: boolean) {
  const programs: Record<Program, (args: readonly string[]) => Promise<Result>> = {
    project: (args) => s.project.pulumi([...args]),
    floor: (args) => s.floor.pulumi([...args]),
    empty: (args) => s.empty.pulumi([...args]),
  };
  for (const [name, args] of Object.entries(COMMANDS)) {
    for (const [program, run] of Object.entries(programs)) {
      const calls = program === "project" ? (await s.project.modalState()).calls.length : 0;
      const seconds = await timed(() => run(args), `${program}: pulumi ${args.join(" ")}`);
      if (program === "project" && (await s.project.modalState()).calls.length !== calls) throw new Error(`a no-op pulumi ${args.join(" ")} called modal`);
      if (keep) record(`${name}|${program}`, seconds);
    }
  }
  const seconds = await timed(plan, "qwen-code-modal plan");
  if (keep) record("plan|project", seconds);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (xs: number[] | undefined) => (xs?.length ? `${Math.min(...xs).toFixed(2)} / ${median(xs).toFixed(2)} / ${Math.max(...xs).toFixed(2)}` : "-");

/** The table printed after the runs: min / median / max seconds and the medians' ratios. */
function report(shape: { dynamic: number; components: number }): string {
  const rows = [...Object.keys(COMMANDS), "plan"].map((name) => {
    const [p, f, e] = (["project", "floor", "empty"] as const).map((program) => times.get(`${name}|${program}`));
    const ratio = (base: number[] | undefined) => (p?.length && base?.length ? `${(median(p) / median(base)).toFixed(2)}x` : "-");
    return `| ${name} | ${fmt(p)} | ${fmt(f)} | ${fmt(e)} | ${ratio(f)} | ${ratio(e)} |`;
  });
  return [
    `engine bench: ${ROUNDS} interleaved rounds after a warm-up; seconds min / median / max; floor = ${shape.dynamic} trivial dynamic resources under ${shape.components} components`,
    "| command | project | same-shape floor | empty program | project / floor | project / empty |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** Removes the stacks' folders (the project's apps stopped first). */
async function tearDown(s: NonNullable<typeof stacks>) {
  await s.project.pulumi(["destroy", "--yes", "--skip-preview"]);
  await Promise.all([s.project.dir, s.floor.dir, s.empty.dir, s.cache].map((d) => rm(d, { recursive: true, force: true })));
}

describe.skipIf(!stacks)("real Pulumi engine: the project against the same-shape floor and the empty program", () => {
  let done = 0;
  // The table is printed by the last round itself: vitest's bench mode runs no afterAll hook here.
  bench("one interleaved round (no-op up --skip-preview, preview: project, floor, empty; then plan)", async () => {
    if (done > ROUNDS) return; // torn down: tinybench calls once more when it adds a warm-up of its own
    await round(stacks!, done > 0);
    if (++done === ROUNDS + 1) {
      process.stdout.write(`\n${report(stacks!.shape)}\n\n`);
      await tearDown(stacks!);
    }
  }, { iterations: ROUNDS + 1, time: 0, warmupIterations: 0, warmupTime: 0 });
});
