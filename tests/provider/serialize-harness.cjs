// Plain-Node harness (no vitest transform): serializes the ModalApp provider exactly as
// @pulumi/pulumi's dynamic.Resource does (serializeFunction(() => provider)), then loads the
// text exactly as Pulumi's dynamic-provider host does (require-from-string(...).handler())
// and runs one create + delete against the modal CLI stand-in named by QCM_MODAL_CLI.
//   node serialize-harness.cjs serialize <out.js>   -> writes the serialized provider
//   node serialize-harness.cjs run <in.js> <inputs.json> -> prints {"create":..., "deleted":true}
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const root = path.resolve(__dirname, "..", "..");

async function main() {
  const [mode, file, inputsFile] = process.argv.slice(2);
  if (mode === "serialize") {
    const { modalAppProvider } = require(path.join(root, "dist/infra/provider/modal-app.js"));
    const { serializeFunction } = require(path.join(root, "node_modules/@pulumi/pulumi/runtime/closure/serializeClosure"));
    const sf = await serializeFunction(() => modalAppProvider, { allowSecrets: true });
    fs.writeFileSync(file, sf.text);
    process.stdout.write(JSON.stringify({ bytes: sf.text.length, containsSecrets: sf.containsSecrets }));
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
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
