import { describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";

describe("the TypeScript program as Pulumi loads it (Pulumi's ts-node path, mocked engine)", () => {
  it("type-checks, runs and registers every resource with serializable providers", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-ts-"));
    await writeFile(join(dir, ".env"), "");
    const run = await execa("node", [resolve(__dirname, "pulumi-ts-harness.cjs")], {
      env: { HOME: dir, QCM_ENV_FILE: join(dir, ".env"), MODAL_TOKEN_ID: "ak-tsHarn001", MODAL_TOKEN_SECRET: "as-tsHarn001" },
      reject: false,
    });
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(result.error).toBeUndefined();
    expect(result.typescript).toMatch(/^5\./);
    expect(result.tsNode).toBe("7.0.1");
    expect(result.resources).toEqual([
      "pulumi-nodejs:dynamic:Resource/endpoint-config-file",
      "qwen-code-modal:index:ModelDeployment/coder",
      "qwen-code-modal:index:ModelDeployment/vlm",
      "pulumi-nodejs:dynamic:Resource/coder",
      "pulumi-nodejs:dynamic:Resource/vlm",
      "pulumi-nodejs:dynamic:Resource/endpoint-config",
    ]);
    // Every module the serialized providers load must resolve by package name in the provider host.
    expect(result.providerRequires).toContain("execa");
    expect(result.providerRequires.filter((m: string) => m.startsWith("execa/"))).toEqual([]);
  }, 120_000);
});
