/**
 * A stand-in for the `modal` CLI: an executable script that records each call (arguments and
 * whether Modal credentials were in its environment) and answers `modal app list --json` with
 * rows shaped like modal 1.x's, and `modal app logs <app>` with a few log lines.
 * @module
 */
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One app row as `modal app list --json` prints it. */
export interface StandInApp {
  name: string;
  state?: "deployed" | "stopped";
  /** Running containers. */
  tasks: number;
}

/** A written stand-in. */
export interface ModalCliStandIn {
  /** Path of the executable. */
  path: string;
  /** Replaces the apps listed. */
  setApps(apps: StandInApp[]): Promise<void>;
  /** Calls so far: argv and the MODAL_* variable names it saw. */
  calls(): Promise<{ argv: string[]; modalEnv: string[] }[]>;
}

/** Writes the stand-in into `dir` (named `modal`). */
export async function writeModalCliStandIn(dir: string, apps: StandInApp[]): Promise<ModalCliStandIn> {
  const path = join(dir, "modal");
  const appsFile = join(dir, "modal-apps.json");
  const callsFile = join(dir, "modal-calls.jsonl");
  const script = `#!${process.execPath}
const fs = require("node:fs");
const argv = process.argv.slice(2);
const modalEnv = Object.keys(process.env).filter((k) => k.startsWith("MODAL_")).sort();
fs.appendFileSync(${JSON.stringify(callsFile)}, JSON.stringify({ argv, modalEnv }) + "\\n");
if (argv.join(" ") === "app list --json") {
  const apps = JSON.parse(fs.readFileSync(${JSON.stringify(appsFile)}, "utf8"));
  console.log(JSON.stringify(apps.map((a, i) => ({ app_id: "ap-standin" + i, description: a.name, state: a.state ?? "deployed",
    tasks: String(a.tasks), created_at: "2026-01-01T00:00:00+00:00", stopped_at: null })), null, 2));
} else if (argv[0] === "app" && argv[1] === "logs") {
  console.log("stand-in log: " + argv[2] + " INFO: Started server process");
  console.log("stand-in log: " + argv[2] + " INFO: Application startup complete.");
} else {
  console.error("modal stand-in: unsupported " + argv.join(" "));
  process.exit(2);
}
`;
  await writeFile(path, script);
  await chmod(path, 0o755);
  const setApps = (list: StandInApp[]) => writeFile(appsFile, JSON.stringify(list));
  await setApps(apps);
  await writeFile(callsFile, "");
  return {
    path,
    setApps,
    calls: async () =>
      (await readFile(callsFile, "utf8"))
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}
