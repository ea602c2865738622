/**
 * The `modal` CLI stand-in (tests/stand-ins/modal-cli/modal) set up for the operations tests:
 * an executable `modal` in a folder that runs the stand-in on its own state file, seeded with
 * app rows (name, state, running containers), so a command under test can be pointed at it
 * through QCM_MODAL_CLI without any other environment.
 * @module
 */
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MODAL_STAND_IN, type StandInState } from "../support/modal-stand-in";
import { PYTHON } from "../support/python";

/** One app row as a test seeds it: deployed from a function-mode shim (web function `serve`). */
export interface SeedApp {
  name: string;
  state?: "deployed" | "stopped";
  /** Running containers. */
  tasks: number;
  /** A min_containers override in force (as after `modal function autoscaler update`). */
  minContainers?: number;
  /** Deploy tags of its versions, oldest first (default: one untagged version). */
  tags?: string[];
}

/** One billed row as Workspace.billing.report returns it (modal/_workspace.py:378, types.py:531). */
export interface SeedBillingRow {
  object_id: string;
  description: string;
  environment_name: string;
  /** ISO 8601, UTC, no zone. */
  interval_start: string;
  /** USD, decimal string. */
  cost: string;
  cost_by_resource?: Record<string, string>;
  tags?: Record<string, string>;
}

/** A written stand-in. */
export interface ModalCliStandIn {
  /** Path of the executable. */
  path: string;
  /** Replaces the apps listed (keeps the calls recorded so far). */
  setApps(apps: SeedApp[]): Promise<void>;
  /** Calls so far: argv and the MODAL_* variable names it saw. */
  calls(): Promise<{ argv: string[]; modalEnv: string[] }[]>;
  /** What `modal billing report` returns; `denied` makes it answer as a workspace without billing reports. */
  setBilling(billing: { denied?: boolean; rows: SeedBillingRow[] }): Promise<void>;
  /** The whole state (apps with versions and autoscaler overrides). */
  state(): Promise<StandInState>;
  /** The web endpoint URL every later deploy prints (a local vLLM stand-in), or Modal's shape again with undefined. */
  setDeployUrl(url: string | undefined): Promise<void>;
  /** How long `app logs --follow` keeps streaming (a line a second) before it ends; 0 (default): it ends at once. */
  setLogsFollowSeconds(seconds: number): Promise<void>;
  /** The project's Python for QCM_PYTHON: the real one, except that infra/provider/modal_dict.py's Dict writes go to this state. */
  python: string;
  /** A named Dict's contents in an environment (undefined when never written). */
  dict(name: string, env?: string): Promise<Record<string, unknown> | undefined>;
  /** Replaces a named Dict's contents (as the GPU containers and the controller write it on Modal). */
  setDict(name: string, contents: Record<string, unknown>, env?: string): Promise<void>;
  /** With true, later deploys get no web URL from the server (an empty `web_url`), as `function info --json` then shows. */
  setWebUrlMissing(missing: boolean): Promise<void>;
  /** Forgets every app row of `name` (Modal no longer knows the app: not even as recently stopped). */
  forgetApp(name: string): Promise<void>;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Writes the stand-in into `dir` (named `modal`), seeded with `apps` in the `main` environment. */
export async function writeModalCliStandIn(dir: string, apps: SeedApp[]): Promise<ModalCliStandIn> {
  const path = join(dir, "modal");
  const statePath = join(dir, "modal-stand-in-state.json");
  const read = async (): Promise<StandInState> => JSON.parse(await readFile(statePath, "utf8"));
  const standIn = `MODAL_STAND_IN_STATE=${quote(statePath)} exec ${quote(process.execPath)} ${quote(MODAL_STAND_IN)} "$@"`;
  await writeFile(path, `#!/bin/sh\n${standIn}\n`);
  // The project's Python: the real one (the shim check runs), except the Dict writer, which would reach Modal.
  const python = join(dir, "python");
  await writeFile(python, `#!/bin/sh\ncase "$1" in *modal_dict.py) ${standIn} ;; esac\nexec ${quote(PYTHON)} "$@"\n`);
  await chmod(path, 0o755);
  await chmod(python, 0o755);
  await writeFile(statePath, JSON.stringify({ apps: [], calls: [] }));
  const setApps = async (list: SeedApp[]) => {
    const state = await read();
    const at = new Date().toISOString();
    state.apps = list.map((a, i) => ({
      appId: `ap-standin${i}`,
      name: a.name,
      env: "main",
      state: a.state ?? "deployed",
      tasks: a.tasks,
      deployedAt: at,
      versions: (a.tags ?? [""]).map((tag, v) => ({ version: v + 1, deployedAt: at, tag, hash: `seed${v}`, strategy: "rolling" })),
      functions: {
        serve: {
          static: { scaledown_window: 300 },
          overrides: a.minContainers === undefined ? {} : { min_containers: { value: a.minContainers, timestamp: Date.now() / 1000 } },
        },
      },
    }));
    await writeFile(statePath, JSON.stringify(state));
  };
  await setApps(apps);
  return {
    path,
    setApps,
    calls: async () => (await read()).calls.map(({ argv, modalEnv }) => ({ argv, modalEnv })),
    setBilling: async (billing) => {
      const state = await read();
      await writeFile(statePath, JSON.stringify({ ...state, billing }));
    },
    state: read,
    setDeployUrl: async (url) => {
      const state = await read();
      await writeFile(statePath, JSON.stringify({ ...state, deployUrl: url }));
    },
    setLogsFollowSeconds: async (seconds) => {
      const state = await read();
      await writeFile(statePath, JSON.stringify({ ...state, logsFollowSeconds: seconds }));
    },
    python,
    dict: async (name, env = "main") => (await read()).dicts?.[`${env}/${name}`],
    setDict: async (name, contents, env = "main") => {
      const state = await read();
      await writeFile(statePath, JSON.stringify({ ...state, dicts: { ...state.dicts, [`${env}/${name}`]: contents } }));
    },
    setWebUrlMissing: async (missing) => {
      const state = await read();
      await writeFile(statePath, JSON.stringify({ ...state, webUrlMissing: missing }));
    },
    forgetApp: async (name) => {
      const state = await read();
      await writeFile(statePath, JSON.stringify({ ...state, apps: state.apps.filter((a) => a.name !== name) }));
    },
  };
}
