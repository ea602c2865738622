/**
 * The engine's floor for the engine bench: a TypeScript Pulumi program as `pulumi new typescript`
 * makes one (ts-node with type checking, `@pulumi/pulumi` and `typescript` from this project's
 * node_modules) declaring a given number of trivial dynamic resources, whose diff says "no change",
 * under component resources, on the same CLI and file backend as the project's stack
 * (tests/engine/engine-stack.ts). With zero of both it is the empty program.
 * @module
 */
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type Result } from "execa";
import { ROOT } from "../support/cli";
import { pulumiVariables } from "../engine/engine-stack";

/** The shape of a stack: how many dynamic resources and component resources it declares. */
export interface StackShape {
  dynamic: number;
  components: number;
}

/** A deployed floor program. */
export interface FloorStack {
  dir: string;
  shape: StackShape;
  /** `pulumi <args> --stack dev` in the program's folder; never rejects. */
  pulumi(args: string[]): Promise<Result>;
}

/** The program: `shape.dynamic` trivial dynamic resources spread over `shape.components` components. */
function floorProgram(shape: StackShape): string {
  return `import * as pulumi from "@pulumi/pulumi";

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Record<string, unknown>) {
    return { id: String(inputs.name), outs: inputs };
  },
  async diff() {
    return { changes: false };
  },
};

class Trivial extends pulumi.dynamic.Resource {
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { name }, opts);
  }
}

class Group extends pulumi.ComponentResource {
  constructor(name: string) {
    super("floor:index:Group", name);
  }
}

const groups = Array.from({ length: ${shape.components} }, (_, i) => new Group(\`group-\${i}\`));
export const ids = Array.from({ length: ${shape.dynamic} }, (_, i) =>
  new Trivial(\`r\${i}\`, groups.length ? { parent: groups[i % groups.length] } : undefined).id);
`;
}

/**
 * Writes the program into a fresh folder, creates its stack and deploys it once.
 * @throws Error with pulumi's output when `stack init` or the first `up` fails.
 */
export async function createFloorStack(pulumi: string, shape: StackShape): Promise<FloorStack> {
  const dir = await mkdtemp(join(tmpdir(), "qcm-engine-floor-"));
  const program = join(dir, "program");
  for (const sub of ["state", "home", "program"]) await mkdir(join(dir, sub));
  await symlink(join(ROOT, "node_modules"), join(program, "node_modules"));
  await writeFile(join(program, "Pulumi.yaml"), "name: floor\nruntime: nodejs\nmain: index.ts\n");
  await writeFile(join(program, "package.json"), JSON.stringify({ name: "floor", private: true, dependencies: { "@pulumi/pulumi": "*" }, devDependencies: { typescript: "*" } }));
  // The project's compiler options (tsconfig.base.json), so ts-node does the same work per file.
  await writeFile(join(program, "tsconfig.json"), JSON.stringify({ extends: join(ROOT, "tsconfig.base.json"), compilerOptions: { composite: false, declaration: false }, files: ["index.ts"] }));
  await writeFile(join(program, "index.ts"), floorProgram(shape));
  const env = pulumiVariables(pulumi, dir);
  const run = (args: string[]) =>
    execa(pulumi, [...args, "--stack", "dev", "--non-interactive", "--color", "never"], { cwd: program, env, extendEnv: false, reject: false, all: true, timeout: 300_000 });
  const init = await execa(pulumi, ["stack", "init", "dev", "--non-interactive"], { cwd: program, env, extendEnv: false, reject: false, all: true });
  if (init.exitCode !== 0) throw new Error(`pulumi stack init (floor) failed:\n${init.all}`);
  const up = await run(["up", "--yes", "--skip-preview"]);
  if (up.exitCode !== 0) throw new Error(`pulumi up (floor) failed:\n${up.all}`);
  return { dir, shape, pulumi: run };
}

/**
 * The shape of a deployed stack, from `pulumi stack export`: its dynamic resources and its
 * component resources (neither the stack nor providers).
 */
export function stackShape(exported: string): StackShape {
  const resources = (JSON.parse(exported) as { deployment: { resources?: { type: string; custom?: boolean }[] } }).deployment.resources ?? [];
  return {
    dynamic: resources.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource").length,
    components: resources.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack").length,
  };
}
