// Plain-Node harness (no vitest transform): takes the `__provider` text the ModalApp resource
// registers (infra/provider/build-provider.ts `providerModuleText`), loads it exactly as Pulumi's
// dynamic-provider host does (require-from-string(text).handler(), @pulumi/pulumi
// cmd/dynamic-provider/index.js line 71) in a process whose working directory is the caller's,
// and runs one create + delete against the modal CLI stand-in named by QCM_MODAL_CLI.
//   node provider-text-harness.cjs text <out.js>              -> writes the provider text
//   node provider-text-harness.cjs run <in.js> <inputs.json>  -> prints {"create":..., "deleted":true}
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const root = path.resolve(__dirname, "..", "..");

async function main() {
  const [mode, file, inputsFile] = process.argv.slice(2);
  if (mode === "text") {
    const { providerModuleText } = require(path.join(root, "dist/infra/provider/build-provider.js"));
    const { MODAL_APP_PROVIDER } = require(path.join(root, "dist/infra/provider/modal-app.js"));
    const text = providerModuleText(MODAL_APP_PROVIDER);
    fs.writeFileSync(file, text);
    process.stdout.write(JSON.stringify({ bytes: text.length }));
  } else if (mode === "run") {
    const requireFromString = require(path.join(root, "node_modules/require-from-string"));
    const provider = requireFromString(fs.readFileSync(file, "utf8")).handler();
    const inputs = JSON.parse(fs.readFileSync(inputsFile, "utf8"));
    const checked = await provider.check({}, inputs);
    const created = await provider.create(checked.inputs);
    await provider.delete(created.id, created.outs);
    process.stdout.write(JSON.stringify({ failures: checked.failures, id: created.id, urls: created.outs.urls, deleted: true }));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}
main().catch((err) => {
  process.stderr.write(String(err && err.message ? err.message : err));
  process.exit(1);
});
