// The dashboard among other local software (issue 21), in real headless Chromium against the real
// CLI, the vLLM stand-ins and the modal CLI stand-in: opened without the token in any argv, the
// token kept from other servers on 127.0.0.1, many tabs on the browser's six connections per
// host, a second browser profile, and a restart. The desktop's `xdg-open` is a stand-in that only
// records its argv (the real one would start a desktop browser).
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { chmod, mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "../support/chromium";
import { CODER_CODE, startDashboardWorld, type DashboardWorld } from "./harness";

/** Another local server: a page that tries to reach the dashboard, and every request's headers. */
async function startOtherServer(dashboardOrigin: string): Promise<{ server: Server; origin: string; seen: { path: string; headers: IncomingHttpHeaders }[] }> {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const page = `<!doctype html><title>other</title><script>
    fetch("/same-origin-call").catch(() => {});
    fetch(${JSON.stringify(`${dashboardOrigin}/api/state`)}).then((r) => (document.title = "reached " + r.status), () => (document.title = "blocked"));
  </script>`;
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers });
    res.writeHead(200, { "content-type": "text/html" }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** Every process's argv on this machine, as `ps` shows them to any user. */
async function allArgv(): Promise<string> {
  const out: string[] = [];
  for (const pid of (await readdir("/proc")).filter((d) => /^\d+$/.test(d))) {
    out.push(await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => ""));
  }
  return out.join("\n");
}

const cardState = (page: Page, name: string) => page.textContent(`#card-${name} [data-role=state]`);

describe.runIf(chromiumAvailable())("dashboard among other local software (headless Chromium, modal CLI stand-in, vLLM stand-ins, xdg-open stand-in)", () => {
  let opener: string;
  let world: DashboardWorld;
  let other: Awaited<ReturnType<typeof startOtherServer>>;
  let browser: Browser;
  let mine: BrowserContext;
  const tabs: Page[] = [];

  beforeAll(async () => {
    opener = await mkdtemp(join(tmpdir(), "qcm-xdg-open-"));
    await writeFile(join(opener, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$@" > '${opener}/argv.txt'\nenv > '${opener}/env.txt'\n`);
    await chmod(join(opener, "xdg-open"), 0o755);
    world = await startDashboardWorld({ open: true, env: { PATH: `${opener}:${process.env.PATH}`, DISPLAY: ":99" } });
    other = await startOtherServer(world.origin);
    browser = await launchChromium();
    mine = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    other?.server.close();
  });

  it("opens the browser through a 0600 forwarding file: the token is in no process's argv, and the file leads to the page", async () => {
    await expect.poll(() => readFile(join(opener, "argv.txt"), "utf8").catch(() => ""), { timeout: 10_000 }).toMatch(/^file:\/\//);
    const argv = (await readFile(join(opener, "argv.txt"), "utf8")).trim().split("\n");
    expect(argv).toHaveLength(1);
    expect(argv[0]).not.toContain(world.token);
    const file = new URL(argv[0]).pathname;
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(file, ".."))).mode & 0o777).toBe(0o700);
    expect(await readFile(file, "utf8")).toContain(world.url);
    expect(await allArgv()).not.toContain(world.token);
    expect(await readFile(join(opener, "env.txt"), "utf8")).not.toMatch(/MODAL_TOKEN|MODAL_PROXY|dash1/);

    const tab = await mine.newPage();
    await tab.goto(argv[0]);
    await tab.waitForURL(`${world.origin}/`, { timeout: 10_000 });
    await expect.poll(() => cardState(tab, "coder"), { timeout: 15_000 }).toBe("warm · 1 container");
    tabs.push(tab);
  });

  it("another server on 127.0.0.1 receives no credential and cannot call the dashboard", async () => {
    const visit = await mine.newPage();
    for (const origin of [other.origin, other.origin.replace("127.0.0.1", "localhost")]) {
      await visit.goto(`${origin}/`);
      await expect.poll(() => visit.title(), { timeout: 10_000 }).toMatch(/^(reached \d+|blocked)$/);
      expect(await visit.title()).not.toBe("reached 200");
      expect(await visit.evaluate(() => JSON.stringify(localStorage))).not.toContain(world.token);
    }
    await expect.poll(() => other.seen.filter((s) => s.path === "/same-origin-call").length, { timeout: 10_000 }).toBe(2);
    expect(other.seen.length).toBeGreaterThanOrEqual(4);
    for (const { headers } of other.seen) {
      expect(headers.cookie).toBeUndefined();
      expect(JSON.stringify(headers)).not.toContain(world.token);
    }
    await visit.close();
  });

  it("a second browser profile without the printed URL gets nothing", async () => {
    const stranger = await browser.newContext();
    const tab = await stranger.newPage();
    await tab.goto(`${world.origin}/`);
    await expect.poll(() => tab.textContent("#restarted"), { timeout: 10_000 }).toContain("This tab has no valid token");
    expect(await tab.$$("#deployments .card")).toEqual([]);
    expect(await tab.evaluate(() => fetch("/api/state").then((r) => r.status))).toBe(403);
    await stranger.close();
  });

  it("eight tabs all load (one event stream for the browser), and a chat answers while another tab follows the logs", async () => {
    while (tabs.length < 8) {
      const tab = await mine.newPage();
      await tab.goto(`${world.origin}/`); // the token comes from this origin's storage, not the URL
      tabs.push(tab);
    }
    for (const tab of tabs) await expect.poll(() => cardState(tab, "vlm"), { timeout: 15_000 }).toBe("scaled to zero");
    const [logsTab] = tabs;
    await world.modal.setLogsFollowSeconds(120);
    await logsTab.selectOption("#logs-deployment", "coder");
    await logsTab.click("#logs-follow");
    await expect.poll(() => logsTab.textContent("#logs"), { timeout: 15_000 }).toContain("stand-in log: qcm-coder INFO: Application startup complete.");
    const chatTab = tabs[7];
    await chatTab.fill("#chat-input", "Write an add function in Python.");
    await chatTab.click("#chat-send");
    await expect.poll(() => chatTab.textContent("#chat [data-role=answer] pre code"), { timeout: 15_000 }).toBe(CODER_CODE);
    expect(await tabs[3].textContent("#chat")).toBe(""); // the answer went to the tab that asked
    expect(await logsTab.textContent("#logs-follow")).toBe("Stop"); // still following
    await expect.poll(() => logsTab.textContent("#logs"), { timeout: 15_000 }).toContain("still serving (3 s)");
  });

  it("a tab whose dashboard restarted says so, and comes back when the new URL is opened", async () => {
    const tab = tabs[2];
    await world.restart();
    await expect.poll(() => tab.textContent("#conn-text"), { timeout: 15_000 }).toBe("dashboard restarted");
    expect(await tab.textContent("#restarted")).toContain("has restarted: open the URL it printed");
    const fresh = await mine.newPage();
    await fresh.goto(world.url);
    await expect.poll(() => cardState(fresh, "coder"), { timeout: 30_000 }).toBe("warm · 1 container");
    await expect.poll(() => tab.textContent("#conn-text"), { timeout: 30_000 }).toBe("live");
    expect(await tab.isHidden("#restarted")).toBe(true);
  });
});
