/**
 * Dynamic resources whose provider is loaded from the project's build when an operation runs,
 * instead of being copied into state by Pulumi's closure serializer.
 *
 * How Pulumi runs a dynamic provider: `pulumi.dynamic.Resource` registers a resource of type
 * `pulumi-nodejs:dynamic:Resource` whose `__provider` input is the text of a CommonJS module
 * (`@pulumi/pulumi` 3.270 `dynamic/index.js` lines 76-83, `serializeProvider`), and the dynamic
 * provider host loads it with `require-from-string` and calls its `handler()` to get the provider
 * (`cmd/dynamic-provider/index.js` line 71, `getProvider`; the provider of the new inputs serves
 * check/diff/create/update, the one in state serves read/delete). Producing that text with the
 * closure serializer costs a no-op `pulumi up` about a second (it loads TypeScript to parse every
 * captured function and walks closures through `node:inspector`; docs/engine.md), and the host
 * then loads `@pulumi/pulumi`'s root for the captured `pulumi.log` (its Automation API, npm's
 * arborist and pacote among it).
 *
 * Here the text is a few lines, the same on every run: its `handler` finds the project root from
 * the host's working directory (the engine starts the host in the project) and `require`s the
 * provider object from the tsc build there ({@link providerModuleText}). So every operation runs
 * the checkout's current, type-checked provider (the program refuses a stale build before it
 * registers anything: infra/core/build.ts), state holds no code and no path, and state written by
 * an earlier version, whose `__provider` is serialized code, still serves its own reads and deletes.
 * @module
 */
import { CustomResource, type CustomResourceOptions } from "@pulumi/pulumi/resource";
import type { Inputs } from "@pulumi/pulumi/output";

/** The resource type of every dynamic resource (`@pulumi/pulumi` 3.270 `dynamic/index.js` line 82, no module). */
export const DYNAMIC_RESOURCE_TYPE = "pulumi-nodejs:dynamic:Resource";

/** Where a provider lives in the build: a `.js` file under the project root, and the export holding the provider object. */
export interface BuildProvider {
  /** Path under the project root, `/`-separated, e.g. `dist/infra/provider/modal-app.js`. */
  module: string;
  /** The exported provider object's name. */
  exportName: string;
}

/**
 * The project root seen from `from`: the nearest folder at or above it holding Pulumi.yaml. Written
 * with inline `require`s and no other module's function, because {@link providerModuleText} copies
 * its source text into the provider module the host loads.
 * @throws Error when no Pulumi.yaml is above `from` (an operation run outside the project).
 */
export function projectRootFromCwd(from: string): string {
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`the dynamic provider runs outside the project: no Pulumi.yaml above ${from}`);
  }
}

/**
 * Loads the provider object `exportName` of `modulePath` (see {@link BuildProvider.module}) from the build under the project root found
 * from the working directory. Self-contained, as {@link projectRootFromCwd}, which it calls by name.
 * @throws Error naming the file and `npm run build` when the build is missing or lacks the export.
 */
export function loadBuildProvider(modulePath: string, exportName: string): unknown {
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const { createRequire } = require("node:module") as typeof import("node:module");
  const root = projectRootFromCwd(process.cwd());
  const file = path.join(root, ...modulePath.split("/"));
  const fix = `build it (\`npm run build\`, i.e. tsc -b, or scripts/dev) in ${root}, then run the command again`;
  if (!fs.existsSync(file)) throw new Error(`the provider's build ${file} is missing: ${fix}`);
  const provider = (createRequire(file)(file) as Record<string, unknown>)[exportName];
  if (typeof provider !== "object" || provider === null) throw new Error(`${file} exports no provider ${exportName}: ${fix}`);
  return provider;
}

/**
 * The `__provider` text of a provider in the build: a CommonJS module whose `handler()` returns
 * {@link loadBuildProvider}'s result, as the dynamic provider host expects. The same text on every
 * run (it depends on `ref` only), so Pulumi sees no provider change.
 */
export function providerModuleText(ref: BuildProvider): string {
  return [
    "// qwen-code-modal: the provider is loaded from the project's build (infra/provider/build-provider.ts).",
    projectRootFromCwd.toString(),
    loadBuildProvider.toString(),
    `exports.handler = () => loadBuildProvider(${JSON.stringify(ref.module)}, ${JSON.stringify(ref.exportName)});`,
    "",
  ].join("\n");
}

/**
 * A dynamic resource (type {@link DYNAMIC_RESOURCE_TYPE}, as `pulumi.dynamic.Resource` registers)
 * whose provider is the build's `ref`. `props` must not hold `__provider`.
 */
export abstract class BuildProviderResource extends CustomResource {
  constructor(ref: BuildProvider, name: string, props: Inputs, opts?: CustomResourceOptions) {
    super(DYNAMIC_RESOURCE_TYPE, name, { ...props, __provider: providerModuleText(ref) }, opts);
  }
}
