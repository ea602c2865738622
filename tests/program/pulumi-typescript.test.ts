import { describe, expect, it } from "vitest";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { staleBuild } from "../../infra/core/build";
import { ROOT } from "../support/cli";

describe("the program as Pulumi loads it (Pulumi.yaml's main and runtime options, mocked engine)", () => {
  it("runs the tsc build without ts-node and registers every resource, each dynamic one with its provider from the build, loading nothing it does not use", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-ts-"));
    await writeFile(join(dir, ".env"), "");
    const run = await execa("node", [resolve(__dirname, "pulumi-ts-harness.cjs")], {
      env: { HOME: dir, QCM_ENV_FILE: join(dir, ".env"), MODAL_TOKEN_ID: "ak-tsHarn001", MODAL_TOKEN_SECRET: "as-tsHarn001" },
      reject: false,
    });
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(result.error).toBeUndefined();
    // No per-run TypeScript compilation: the build runs, checked against the sources (infra/core/build.ts).
    expect(result.main).toBe("dist/infra/index.js");
    expect(result.tsNode).toBeNull();
    expect(result.typescript).toMatch(/^5\./);
    expect(result.resources).toEqual([
      "pulumi-nodejs:dynamic:Resource/endpoint-config-file",
      "qwen-code-modal:index:ModelDeployment/coder",
      "qwen-code-modal:index:ModelDeployment/vlm",
      "qwen-code-modal:index:ControlDeployment/control",
      "pulumi-nodejs:dynamic:Resource/control",
      "pulumi-nodejs:dynamic:Resource/coder",
      "pulumi-nodejs:dynamic:Resource/vlm",
      "pulumi-nodejs:dynamic:Resource/endpoint-config",
    ]);
    // Each dynamic resource's `__provider` text gives the host the build's provider (infra/provider/build-provider.ts).
    const modalApp = ["check", "configure", "create", "delete", "diff", "read", "update"];
    expect(result.providers).toEqual({
      "endpoint-config-file": ["create", "delete", "diff"],
      control: modalApp,
      coder: modalApp,
      vlm: modalApp,
      "endpoint-config": ["create", "delete", "diff", "read", "update"],
    });
    // Nothing a run does not use: @pulumi/pulumi's root and closure serializer, TypeScript (docs/engine.md, issue 26).
    expect(result.heavyModules).toEqual([]);
  }, 120_000);

  it("the build the tests run on is the build of the checkout (what the program checks first)", () => {
    expect(staleBuild(ROOT)).toEqual([]);
  });

  it("a changed, added or deleted source, or a build with type errors, is named and refused", async () => {
    // A copy of the build infos and sources, changed the four ways the program must notice.
    const root = await mkdtemp(join(tmpdir(), "qcm-stale-"));
    for (const path of ["dist/tsconfig.tsbuildinfo", "contract/tsconfig.tsbuildinfo", "infra", "contract/src"]) await cp(join(ROOT, path), join(root, path), { recursive: true });
    expect(staleBuild(root)).toEqual([]);
    await writeFile(join(root, "infra/prepare.ts"), `${await readFile(join(root, "infra/prepare.ts"), "utf8")}\n// edited\n`);
    await writeFile(join(root, "infra/new-module.ts"), "export const x = 1;\n");
    await writeFile(join(root, "contract/src/redact.ts"), "");
    const info = JSON.parse(await readFile(join(root, "dist/tsconfig.tsbuildinfo"), "utf8"));
    info.fileNames.push("../infra/deleted.ts");
    info.fileInfos.push("0".repeat(64));
    info.semanticDiagnosticsPerFile = [[1, [{ code: 2322, messageText: "Type 'string' is not assignable to type 'number'." }]]];
    await writeFile(join(root, "dist/tsconfig.tsbuildinfo"), JSON.stringify(info));
    expect(staleBuild(root).sort()).toEqual([
      "contract/src/redact.ts changed since the build",
      "infra/deleted.ts was built but no longer exists",
      "infra/new-module.ts is not in the build",
      "infra/prepare.ts changed since the build",
      "the last build of infra had errors",
    ]);
  });
});
