// Plain-Node harness: runs the real Pulumi program entry (dist/infra/index.js) under Pulumi's
// own runtime.setMocks: the engine and Modal are stand-ins. Plain Node because
// dynamic.Resource serializes its provider, which vitest's transform would break.
//   node program-harness.cjs <scenario.json>
// scenario: { "config": { "qwen-code-modal:key": "value", ... }, "preview": false }
// Prints one JSON line: { resources: [{type, name, inputs}], outputs } or { error, resources }.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const root = path.resolve(__dirname, "..", "..");
const pulumi = require(path.join(root, "node_modules/@pulumi/pulumi"));

const scenario = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
process.env.PULUMI_CONFIG = JSON.stringify(scenario.config ?? {});
const resources = [];

pulumi.runtime.setMocks(
  {
    newResource(args) {
      resources.push({ type: args.type, name: args.name, inputs: args.inputs });
      if (args.inputs && typeof args.inputs.shimSource === "string") {
        // Mock of a deployed ModalApp: the URL shape modal deploy reports.
        // One URL per web function of the shim (`serve`, and an image-edit app's `images`).
        const fns = [...args.inputs.shimSource.matchAll(/@modal\.(?:web_server|asgi_app)\([^)]*\)\s*\ndef (\w+)\(/g)].map((m) => m[1]);
        const urls = Object.fromEntries((fns.length ? fns : ["serve"]).map((fn) => [fn, `https://mock-ws--${args.inputs.appName}-${fn}.modal.run`]));
        return { id: args.inputs.appName, state: { ...args.inputs, urls, deployHash: "mock" } };
      }
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call(args) {
      return args.inputs;
    },
  },
  "qwen-code-modal",
  "dev",
  Boolean(scenario.preview),
);

const settle = (value) => new Promise((resolve) => pulumi.output(value).apply(resolve));

async function main() {
  try {
    // The entry exports its main function, which the language host calls (cmd/run/run.js).
    const outputs = await require(path.join(root, "dist/infra/index.js"))();
    const settled = {};
    for (const [k, v] of Object.entries(outputs)) settled[k] = await settle(v);
    // Let the mocked registrations (EndpointConfigFile) finish.
    await new Promise((r) => setTimeout(r, 200));
    process.stdout.write(JSON.stringify({ resources, outputs: settled }) + "\n");
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: String(err && err.message ? err.message : err), resources }) + "\n");
  }
}
main();
