/**
 * The layout's rules (docs/architecture.md), checked on the source: imports point down, only the
 * bottom layer and the entry points read the environment, and the two packages stay apart.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../infra/core/paths";

const ROOT = projectRoot();

/**
 * Each top-level entry of infra/ and its layer: a module may import its own folder and any
 * folder of a lower layer, never a higher or an equal one (docs/architecture.md draws the same list).
 */
const LAYERS: Record<string, number> = {
  core: 0, // errors, the one environment resolution, files, project paths, executables
  modal: 1, // facts about Modal (GPUs, URLs)
  coldstart: 1, // cold-start modes the renderer consumes
  endpoints: 1, // the exported endpoint config, proxy credentials, HTTP to the endpoints (plain, SSE, /metrics)
  bench: 2, // the agent-session benchmark and its saved results
  conformance: 2, // the agent-protocol conformance suite: smoke, the deploy gate, bench --check
  capacity: 2,
  cost: 2,
  config: 3, // the typed stack config (zod)
  render: 4, // config → Python shim
  provider: 5, // the ModalApp dynamic provider and the one modal CLI module
  check: 5, // the shim check with the real modal SDK
  "prepare.ts": 6, // render + check, shared by the program, plan and render
  plan: 7,
  program: 8, // the Pulumi component resources
  clients: 8, // qwen-code, Claude Code, MCP registration
  ops: 8, // smoke, status, logs, warm, ...
  dashboard: 9, // the local web page: reads ops, clients, endpoints, the plan and the provider's deploy events
  "index.ts": 10, // entry point: the Pulumi program
  cli: 10, // entry point: the project CLI
};

/** Files allowed to read `process.env`: the resolution itself and the entry points. */
const READS_ENVIRONMENT = [/^infra\/core\/environment\.ts$/, /^infra\/index\.ts$/, /^infra\/cli\//, /^infra\/provider\/operation-env\.ts$/];

/**
 * Files that still read the environment themselves, with who moves them onto infra/core/environment.ts.
 * Each must still do so (a fixed file fails here until it is removed from this list).
 */
const PENDING: Record<string, string> = {};

const readsEnvironment = (f: string) => /\bprocess\.env\b/.test(code(f)) || importsOf(f).includes("dotenv");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return /\.(ts|mts|cts)$/.test(name) && !name.endsWith(".d.ts") ? [path.split(sep).join("/")] : [];
  });
}

/** Source without comments, so TSDoc that names `process.env` or a path does not count. */
function code(path: string): string {
  return readFileSync(join(ROOT, path), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

function importsOf(path: string): string[] {
  return [...code(path).matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
}

/** The top-level infra/ entry a path is in (`config`, `index.ts`, ...). */
const area = (path: string) => path.split("/")[1];

const infra = sources("infra");

describe("architecture (docs/architecture.md)", () => {
  it("places every top-level entry of infra/ in a layer", () => {
    const unplaced = [...new Set(infra.map(area))].filter((a) => !(a in LAYERS));
    expect(unplaced, "add each to LAYERS here and to docs/architecture.md").toEqual([]);
  });

  it("imports point down: a module imports its own folder or a lower layer", () => {
    const upward: string[] = [];
    for (const file of infra) {
      for (const spec of importsOf(file).filter((s) => s.startsWith("."))) {
        const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).split(sep).join("/");
        if (!target.startsWith("infra/")) {
          upward.push(`${file} imports ${spec} (outside infra/)`);
          continue;
        }
        const from = area(file);
        const isFolder = existsSync(join(ROOT, target)) && statSync(join(ROOT, target)).isDirectory();
        const to = area(isFolder || target.split("/").length > 2 ? target : `${target}.ts`);
        if (from === to) continue;
        if (!(LAYERS[to] < LAYERS[from])) upward.push(`${file} (${from}, layer ${LAYERS[from]}) imports ${spec} (${to}, layer ${LAYERS[to]})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("only infra/core/environment.ts and the entry points read process.env or a .env file", () => {
    const readers = infra.filter((f) => readsEnvironment(f) && !READS_ENVIRONMENT.some((r) => r.test(f)) && !(f in PENDING));
    expect(readers).toEqual([]);
    const fixed = Object.keys(PENDING).filter((f) => !existsSync(join(ROOT, f)) || !readsEnvironment(f));
    expect(fixed, "no longer read the environment: remove them from PENDING").toEqual([]);
    const dotenv = infra.filter((f) => importsOf(f).includes("dotenv") && !(f in PENDING));
    expect(dotenv).toEqual(["infra/core/environment.ts"]);
  });

  it("the MCP server and the contract package import nothing of the deployer; the contract nothing of the server", () => {
    const crossing = [...sources("mcp/src"), ...sources("contract/src")].flatMap((file) =>
      importsOf(file)
        .filter((s) => s.startsWith(".") && !resolve(ROOT, dirname(file), s).startsWith(resolve(ROOT, file.split("/").slice(0, 2).join("/"))))
        .map((s) => `${file} imports ${s}`),
    );
    expect(crossing).toEqual([]);
    const contractDeps = sources("contract/src").flatMap(importsOf).filter((s) => !s.startsWith(".") && !s.startsWith("node:"));
    // zod for the endpoint-config schema, undici for the one client of Modal's gateway both sides use (modal-http.ts).
    expect([...new Set(contractDeps)].sort()).toEqual(["undici", "zod"]);
    expect(sources("contract/src").flatMap(importsOf)).not.toContain("vlm-analyzer");
  });

  it("the MCP package exports its server only, and the deployer imports it by that name", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "mcp", "package.json"), "utf8"));
    expect(manifest.exports).toEqual({ ".": "./dist/server.js" });
    const deep = infra.flatMap((f) => importsOf(f).filter((s) => s.startsWith("vlm-analyzer/")).map((s) => `${f} imports ${s}`));
    expect(deep).toEqual([]);
  });
});
