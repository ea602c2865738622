// `pulumi preview` / `pulumi up` from the page, under the real Pulumi engine (the CLI the
// Automation API drives, the project's program, its ModalApp provider) against the modal CLI
// stand-in, in headless Chromium: a new user's flow from a stack with nothing deployed (no
// endpoint config yet), with the engine's events as progress to 100 %, and a refusal while a
// terminal's `pulumi up` holds the stack's lock.
import { chmod, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "../support/chromium";
import { createEngineStack, findPulumi, STACK, type EngineStack } from "../engine/engine-stack";
import { launchDashboard, type LaunchedDashboard } from "./harness";

const found = findPulumi();
const missing = "missing" in found ? found.missing : undefined;
if (missing && process.env.CI === "true") throw new Error(`CI: the real Pulumi engine is required: ${missing}`);
const TOKENS = { MODAL_TOKEN_ID: "ak-dashstack1", MODAL_TOKEN_SECRET: "as-dashstack1" };

/** Whether any update lock file exists in the stack's file backend (the engine writes one while an update runs). */
async function locked(stack: EngineStack): Promise<boolean> {
  const files = await readdir(join(stack.dir, "state", ".pulumi", "locks"), { recursive: true }).catch(() => [] as string[]);
  return files.some((f) => f.endsWith(".json"));
}

describe.runIf(!missing && chromiumAvailable())("pulumi preview and up from the page (real Pulumi engine, modal CLI stand-in, headless Chromium)", { timeout: 400_000 }, () => {
  let stack: EngineStack;
  let dashboard: LaunchedDashboard;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await createEngineStack("pulumi" in found ? found.pulumi : "", { ...TOKENS });
    await writeFile(stack.envFile, "MODAL_PROXY_TOKEN_ID=wk-dashstack2\nMODAL_PROXY_TOKEN_SECRET=ws-dashstack2\n");
    dashboard = await launchDashboard(
      ["--port", "0", "--no-open", "--config", stack.endpointConfigPath, "--dotenv", stack.envFile, "--pulumi-stack", STACK, "--pulumi-config-file", join(stack.dir, `Pulumi.${STACK}.yaml`)],
      { ...stack.env, QCM_DEPLOY_EVENTS: join(stack.dir, "deploy-events.jsonl") },
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on("dialog", (d) => void d.accept());
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    dashboard?.child.kill("SIGTERM");
    await dashboard?.child;
    if (stack) await rm(stack.dir, { recursive: true, force: true });
  });

  it("preview, then up from the page: the engine's events drive the progress to 100 % and both apps are deployed", async () => {
    await page.goto(dashboard.url);
    await expect.poll(() => page.textContent("#problems"), { timeout: 15_000 }).toContain("No deployments to show:");
    expect(await page.textContent("#stack-name")).toBe(`stack ${STACK}:`);
    await page.click("#stack-preview");
    await expect.poll(() => page.getAttribute("#stack-progress .progress", "data-state"), { timeout: 180_000 }).toBe("done");
    expect(await page.getAttribute("#stack-progress .progress", "data-op")).toBe("preview");
    expect(await page.textContent("#stack-progress [data-role=stack-line]")).toMatch(/create \d+/);
    expect((await stack.modalState()).calls.filter((c) => c.argv[0] === "deploy")).toEqual([]); // a preview deploys nothing

    // Every percent the page shows, as it shows it.
    await page.evaluate(() => {
      const seen: number[] = ((window as unknown as { percents: number[] }).percents = []);
      new MutationObserver(() => {
        const p = document.querySelector("#stack-progress .progress[data-op=up]");
        if (p) seen.push(Number(p.getAttribute("data-percent")));
      }).observe(document.getElementById("stack-progress")!, { childList: true, subtree: true });
    });
    await page.click("#stack-up");
    const up = "#stack-progress .progress[data-op=up]";
    await expect.poll(() => page.getAttribute(up, "data-state").catch(() => null), { timeout: 300_000 }).not.toBe("running");
    expect(await page.getAttribute(up, "data-state"), (await page.textContent("#stack-progress")) ?? "").toBe("done");
    expect(await page.getAttribute(up, "data-percent")).toBe("100");
    const percents = await page.evaluate(() => (window as unknown as { percents: number[] }).percents);
    expect(percents.at(-1)).toBe(100);
    expect(percents.some((p) => p > 0 && p < 100)).toBe(true); // resources finishing one by one, not a jump
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    const deployed = (await stack.modalState()).apps.filter((a) => a.state === "deployed").map((a) => a.name).sort();
    expect(deployed).toEqual(["qcm-coder", "qcm-control", "qcm-vlm"]); // the default stack deploys the controller too
  });

  it("refuses while a terminal's pulumi up holds the stack's lock", async () => {
    await stack.configSet("deployments", JSON.stringify({ coder: { maxInputs: 64 } }));
    // The terminal's modal is slow (a wrapper that waits before running the stand-in), so its update holds the lock a while.
    const slow = join(stack.dir, "slow-modal");
    await writeFile(slow, `#!/bin/sh\nsleep 20\nexec '${stack.modal.path}' "$@"\n`);
    await chmod(slow, 0o755);
    const terminal = stack.pulumi(["up", "--yes", "--skip-preview"], { QCM_MODAL_CLI: slow });
    await expect.poll(() => locked(stack), { timeout: 120_000, interval: 200 }).toBe(true);
    await page.evaluate(() => document.getElementById("stack-progress")!.replaceChildren()); // forget the last up's bar
    await page.click("#stack-up");
    await expect.poll(() => page.getAttribute("#stack-progress .progress[data-op=up]", "data-state").catch(() => null), { timeout: 120_000 }).toBe("failed");
    expect(await page.textContent("#stack-progress [data-role=stack-line]")).toContain("another update holds the stack's lock");
    const r = await terminal;
    expect(r.exitCode, r.all).toBe(0);
  });
});
