// Plain-Node harness: loads infra/index.ts the way `pulumi up` does, with the TypeScript
// loader @pulumi/pulumi's run.js picks (the project's typescript + Pulumi's vendored ts-node
// when the project has none, type checking on), under Pulumi's runtime.setMocks.
// Prints one JSON line: { tsNode, typescript, resources: [type/name], providerRequires: [...] }.
"use strict";
const path = require("node:path");
const root = path.resolve(__dirname, "..", "..");
const pulumiDir = path.join(root, "node_modules/@pulumi/pulumi");
const { tsnodeRequire, typescriptRequire } = require(path.join(pulumiDir, "tsutils.js")).typeScriptRequireStrings();
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  transpileOnly: undefined,
  project: path.join(root, "tsconfig.json"),
  skipProject: false,
  compilerOptions: {},
});
const pulumi = require(pulumiDir);
process.env.PULUMI_CONFIG = "{}";
const resources = [];
const requires = new Set();
pulumi.runtime.setMocks(
  {
    newResource(args) {
      resources.push(`${args.type}/${args.name}`);
      for (const m of String(args.inputs.__provider ?? "").matchAll(/require\("([^"]+)"\)/g)) requires.add(m[1]);
      return { id: args.name, state: { ...args.inputs, urls: { serve: "https://mock--x-serve.modal.run" } } };
    },
    call: (args) => args.inputs,
  },
  "qwen-code-modal",
  "dev",
  false,
);
require(path.join(root, "infra/index.ts")).then(
  () =>
    setTimeout(() => {
      const tsNode = require(tsnodeRequire).VERSION;
      process.stdout.write(
        JSON.stringify({ tsNode, typescript: require(typescriptRequire).version, resources, providerRequires: [...requires].sort() }) + "\n",
      );
    }, 300),
  (err) => {
    process.stdout.write(JSON.stringify({ error: err.message }) + "\n");
    process.exitCode = 1;
  },
);
