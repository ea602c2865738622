// Plain-Node harness: loads Pulumi.yaml's `main` the way `pulumi up` does (with the TypeScript
// loader @pulumi/pulumi's run.js picks, the project's typescript + Pulumi's vendored ts-node with
// type checking, unless runtime.options.typescript is false), under Pulumi's runtime.setMocks.
// Prints one JSON line: { main, tsNode (null without ts-node), typescript, resources: [type/name],
// providers: { name: [methods] } (each dynamic resource's `__provider` text loaded as the dynamic
// provider host does), heavyModules: [modules of @pulumi/pulumi the program does not need, if loaded] }.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const root = path.resolve(__dirname, "..", "..");
const pulumiDir = path.join(root, "node_modules/@pulumi/pulumi");
// As the language host does: the working directory is the program's folder (Pulumi.yaml `main`),
// and Pulumi.yaml's runtime.options.tsconfig is used as written, relative to it (cmd/run/run.js).
const pulumiYaml = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
const main = /^main:\s*(\S+)/m.exec(pulumiYaml)[1];
const tsconfig = /^\s+tsconfig:\s*(\S+)/m.exec(pulumiYaml)?.[1] ?? "tsconfig.json";
// runtime.options.typescript (default true): false sets no PULUMI_NODEJS_TYPESCRIPT, so run.js registers no ts-node.
const typescript = !/^\s+typescript:\s*false\s*$/m.test(pulumiYaml);
process.chdir(path.dirname(path.join(root, main)));
// Only with ts-node: tsutils loads TypeScript itself, and the check below is that the program does not.
const { tsnodeRequire, typescriptRequire } = typescript ? require(path.join(pulumiDir, "tsutils.js")).typeScriptRequireStrings() : {};
if (typescript) {
  require(tsnodeRequire).register({
    compiler: typescriptRequire,
    transpileOnly: undefined,
    project: tsconfig,
    skipProject: !fs.existsSync(tsconfig),
    compilerOptions: {},
  });
}
// The mocks module, not the package root: what the program loads is checked below.
const { setMocks } = require(path.join(pulumiDir, "runtime/mocks.js"));
const requireFromString = require(path.join(root, "node_modules/require-from-string"));
process.env.PULUMI_CONFIG = "{}";
const resources = [];
const providers = {};
setMocks(
  {
    newResource(args) {
      resources.push(`${args.type}/${args.name}`);
      if (args.inputs.__provider) {
        // As the dynamic provider host: require-from-string(text).handler() (cmd/dynamic-provider/index.js line 71).
        const provider = requireFromString(args.inputs.__provider).handler();
        providers[args.name] = Object.keys(provider).filter((k) => typeof provider[k] === "function").sort();
      }
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
      // The package root (Automation API: npm's arborist, pacote), the closure serializer and TypeScript.
      const heavy = /@pulumi\/pulumi\/(index|automation\/index|runtime\/closure\/serializeClosure)\.js$|\/typescript\/lib\/typescript\.js$/;
      const heavyModules = Object.keys(require.cache).filter((k) => heavy.test(k)).map((k) => path.relative(root, k));
      const tsNode = typescript ? require(tsnodeRequire).VERSION : null;
      process.stdout.write(
        JSON.stringify({ main, tsNode, typescript: require(path.join(root, "node_modules/typescript/package.json")).version, resources, providers, heavyModules }) + "\n",
      );
    }, 300),
  (err) => {
    process.stdout.write(JSON.stringify({ error: err.message }) + "\n");
    process.exitCode = 1;
  },
);
