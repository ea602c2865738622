// The provider's one reader of `modal deploy` output (a progress log: confirmation and phases),
// checked against the output modal 1.6.4's own classes render (tests/support/modal-real-output.ts),
// never against text written from memory. Endpoint URLs are not read from this output at all:
// tests/provider/modal-app.test.ts reads them through `modal function info --json`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deployLinePhase, parseDeployOutput } from "../../infra/provider/deploy-output";
import { realDeployOutput, SHIM_FOR_RENDERING } from "../support/modal-real-output";
import { PYTHON } from "../support/python";
import { execa } from "execa";

const FUNCTION = { kind: "function" as const, tag: "serve", web_url: "https://ws--qcm-coder-serve.modal.run", requires_proxy_auth: true };

/** Every .py file of the installed modal package. */
async function modalSources(): Promise<string[]> {
  const { stdout } = await execa(PYTHON, ["-c", "import modal, os; print(os.path.dirname(modal.__file__))"]);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith(".py") ? [join(dir, n)] : []));
  return walk(stdout.trim());
}

describe("modal deploy output (rendered by modal 1.6.4's own output classes)", () => {
  it("a web function: `Created Function serve` with the URL on a child row; confirmed; every tree row is the objects phase", async () => {
    const out = await realDeployOutput({ file: SHIM_FOR_RENDERING, objects: [FUNCTION, { kind: "function", tag: "cleanup" }] });
    const lines = out.split("\n");
    expect(lines).toContain("├── ✓ Created Function serve");
    expect(lines).toContain("│   └── https://ws--qcm-coder-serve.modal.run 🔑");
    expect(lines).toContain("└── ✓ Created Function cleanup.");
    expect(parseDeployOutput(out)).toEqual({ skipped: false, confirmed: true });
    expect(lines.filter((l) => /✓ (Created|Uploaded)/.test(l)).map(deployLinePhase)).toEqual(["objects", "objects", "objects", "objects"]);
    expect(deployLinePhase(lines.find((l) => l.startsWith("✓ App deployed"))!)).toBeUndefined();
  });

  it("the old `Created web function` assumption is gone: modal 1.6.4's source and rendering never print it", async () => {
    const out = await realDeployOutput({
      file: SHIM_FOR_RENDERING,
      objects: [FUNCTION, { kind: "class", tag: "Server", methods: { serve: "https://ws--qcm-x-server-serve.modal.run" } }, { kind: "server", tag: "Server", web_url: "https://ws--qcm-s.modal.run" }],
    });
    expect(out).toContain("✓ Created Function Server.*.");
    expect(out).toContain("serve -> https://ws--qcm-x-server-serve.modal.run 🔑");
    expect(out).toContain("✓ Created Server Server");
    expect(out).not.toMatch(/Created web (function|endpoint)/);
    const sources = await modalSources();
    expect(sources.length).toBeGreaterThan(100);
    expect(sources.filter((f) => /Created web (function|endpoint)/.test(readFileSync(f, "utf8")))).toEqual([]);
  });

  it("a deploy Modal skipped is confirmed and skipped; output without modal's confirmation is not confirmed", async () => {
    const out = await realDeployOutput({ file: SHIM_FOR_RENDERING, objects: [FUNCTION], skipped: true });
    expect(out).toContain("✓ Deployment skipped: no changes detected! ⏭️");
    expect(parseDeployOutput(out)).toEqual({ skipped: true, confirmed: true });
    const cut = out.split("\n").filter((l) => !l.includes("Deployment skipped")).join("\n");
    expect(parseDeployOutput(cut)).toEqual({ skipped: false, confirmed: false });
    expect(deployLinePhase("Building image im-F8qZ2x")).toBe("image");
  });
});
