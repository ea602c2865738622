// Plain-Node harness: loads Pulumi.yaml's `main` the way `pulumi up` does (with the TypeScript
// loader @pulumi/pulumi's run.js picks, the project's typescript + Pulumi's vendored ts-node with
// type checking, unless runtime.options.typescript is false), under Pulumi's runtime.setMocks.
// Prints one JSON line: { main, tsNode (null without ts-node), typescript, resources: [type/name], providerRequires: [...] }.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const root = path.resolve(__dirname, "..", "..");
const pulumiDir = path.join(root, "node_modules/@pulumi/pulumi");
const { tsnodeRequire, typescriptRequire } = require(path.join(pulumiDir, "tsutils.js")).typeScriptRequireStrings();
// As the language host does: the working directory is the program's folder (Pulumi.yaml `main`),
// and Pulumi.yaml's runtime.options.tsconfig is used as written, relative to it (cmd/run/run.js).
const pulumiYaml = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
const main = /^main:\s*(\S+)/m.exec(pulumiYaml)[1];
const tsconfig = /^\s+tsconfig:\s*(\S+)/m.exec(pulumiYaml)?.[1] ?? "tsconfig.json";
// runtime.options.typescript (default true): false sets no PULUMI_NODEJS_TYPESCRIPT, so run.js registers no ts-node.
const typescript = !/^\s+typescript:\s*false\s*$/m.test(pulumiYaml);
process.chdir(path.dirname(path.join(root, main)));
if (typescript) {
  require(tsnodeRequire).register({
    compiler: typescriptRequire,
    transpileOnly: undefined,
    project: tsconfig,
    skipProject: !fs.existsSync(tsconfig),
    compilerOptions: {},
  });
}
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
// The entry exports its main function, which the language host calls (cmd/run/run.js).
require(path.join(root, main))().then(
  () =>
    setTimeout(() => {
      const tsNode = typescript ? require(tsnodeRequire).VERSION : null;
      process.stdout.write(
        JSON.stringify({ main, tsNode, typescript: require(typescriptRequire).version, resources, providerRequires: [...requires].sort() }) + "\n",
      );
    }, 300),
  (err) => {
    process.stdout.write(JSON.stringify({ error: err.message }) + "\n");
    process.exitCode = 1;
  },
);
