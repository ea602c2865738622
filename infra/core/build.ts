/**
 * Whether the tsc build in dist/ is the build of the checkout's sources, so that code run from
 * dist/ (the Pulumi program: `main: dist/infra/index.js` in Pulumi.yaml) is never stale code.
 *
 * `tsc -b` records in each project's build info (`*.tsbuildinfo`, TypeScript 5.9) the SHA-256 of
 * every source file it compiled (`fileNames[i]` relative to the build info's folder, `fileInfos[i]`
 * or `fileInfos[i].version`; TypeScript's `sys.createHash` is SHA-256 in Node) and, when the build
 * had errors, the diagnostics (`semanticDiagnosticsPerFile`, `emitDiagnosticsPerFile`, `errors`,
 * `checkPending`). The build is current when every source of each project hashes to what its build
 * info says, no source was added since, and no project's build had errors. Reading and hashing
 * ~150 files takes a few milliseconds.
 * @module
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { UserError } from "./errors";

/** A TypeScript project of the build: its build info and the folder of its sources (the tsconfig's `include`). */
interface BuildProject {
  buildInfo: string;
  sources: string;
}

/**
 * The projects the Pulumi program is built from, relative to the project root: the deployer
 * (tsconfig.json: `include: ["infra"]`, `outDir: "dist"`) and the contract package it imports
 * (contract/tsconfig.json: `include: ["src"]`).
 */
export const PROGRAM_BUILD: readonly BuildProject[] = [
  { buildInfo: "dist/tsconfig.tsbuildinfo", sources: "infra" },
  { buildInfo: "contract/tsconfig.tsbuildinfo", sources: "contract/src" },
];

/** A build info file as far as this check reads it. */
interface BuildInfo {
  fileNames?: string[];
  fileInfos?: (string | { version?: string })[];
  semanticDiagnosticsPerFile?: unknown[];
  emitDiagnosticsPerFile?: unknown[];
  errors?: boolean;
  checkPending?: boolean;
}

/** TypeScript files (sources and declarations) under `dir`, absolute. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

/**
 * Why the build of `projects` under `root` is not the build of the sources on disk.
 * @returns one line per problem (file, what differs); empty when the build is current.
 */
export function staleBuild(root: string, projects: readonly BuildProject[] = PROGRAM_BUILD): string[] {
  const problems: string[] = [];
  for (const project of projects) {
    const infoPath = join(root, project.buildInfo);
    let info: BuildInfo;
    try {
      info = JSON.parse(readFileSync(infoPath, "utf8")) as BuildInfo;
    } catch (err) {
      problems.push(`${project.buildInfo} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      continue;
    }
    if (!Array.isArray(info.fileNames) || !Array.isArray(info.fileInfos)) {
      problems.push(`${project.buildInfo} has no file hashes (not a TypeScript 5.9 build info of a composite project)`);
      continue;
    }
    if (info.errors || info.checkPending || info.semanticDiagnosticsPerFile?.length || info.emitDiagnosticsPerFile?.length) {
      problems.push(`the last build of ${project.sources} had errors`);
    }
    const sourcesDir = join(root, project.sources);
    const recorded = new Map<string, string | undefined>();
    info.fileNames.forEach((name, i) => {
      const path = resolve(dirname(infoPath), name);
      const fileInfo = info.fileInfos![i];
      if (!relative(sourcesDir, path).startsWith("..")) recorded.set(path, typeof fileInfo === "string" ? fileInfo : fileInfo?.version);
    });
    const onDisk = tsFiles(sourcesDir);
    for (const path of onDisk) {
      const want = recorded.get(path);
      if (want === undefined) {
        problems.push(`${relative(root, path)} is not in the build`);
      } else if (createHash("sha256").update(readFileSync(path)).digest("hex") !== want) {
        problems.push(`${relative(root, path)} changed since the build`);
      }
    }
    const present = new Set(onDisk);
    for (const path of recorded.keys()) if (!present.has(path)) problems.push(`${relative(root, path)} was built but no longer exists`);
  }
  return problems;
}

/**
 * Refuses to run a stale build.
 * @throws UserError listing what differs (up to 5 lines) and the fix (`npm run build`) when
 *   {@link staleBuild} finds anything.
 */
export function assertBuildCurrent(root: string): void {
  const problems = staleBuild(root);
  if (!problems.length) return;
  const shown = problems.slice(0, 5).map((p) => `  - ${p}`);
  if (problems.length > 5) shown.push(`  - and ${problems.length - 5} more`);
  throw new UserError(`the build in dist/ is not the build of this checkout's sources, so it was not run:\n${shown.join("\n")}\nRun \`npm run build\` (tsc -b) in ${root}, then run the command again.`);
}
