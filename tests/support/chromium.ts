/**
 * Debian's Chromium (`apt-get install chromium`, installed by scripts/dev when run as root),
 * driven by playwright-core: Playwright's own browser download is not reachable here.
 * Locally a missing Chromium skips the browser suites with a printed reason; under CI=true it fails.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Where Debian puts it. */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags for a headless run in a container (no sandbox as root, no GPU, no background traffic). */
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * Whether the browser suites can run. Prints why not.
 * @throws Error under CI=true when Chromium is missing (CI must run them).
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `${CHROMIUM} is missing: run scripts/dev test as root (it installs Debian's chromium) or apt-get install -y chromium`;
  if (process.env.CI === "true") throw new Error(`browser tests cannot run under CI: ${why}`);
  console.log(`skipping the browser tests: ${why}`);
  return false;
}

/** Launches Chromium headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}
