/**
 * Test helpers around the recorded `modal` CLI stand-in (tests/stand-ins/modal-cli/modal).
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";

/** Path of the stand-in executable. */
export const MODAL_STAND_IN = resolve(__dirname, "..", "stand-ins", "modal-cli", "modal");

/** Fake credentials: shaped like Modal tokens so the redaction rules apply to them. */
export const FAKE_CREDENTIALS = { tokenId: "ak-standin01", tokenSecret: "as-standin01" } as const;

/** One app row the stand-in keeps (deployed by it, or written by a test). */
export interface StandInApp {
  appId: string;
  name: string;
  env: string;
  state: "deployed" | "stopped";
  /** Running containers. */
  tasks: number;
  hash?: string;
  strategy?: string;
  url?: string;
  deployedAt?: string;
  /** Deployments of the app, oldest first (deploy and rollback add one each). */
  versions?: { version: number; deployedAt: string; tag: string; hash: string; url?: string; strategy: string; rollbackOf?: number }[];
  /** Web server function by Modal tag: decorator values and autoscaler overrides in force. */
  functions?: Record<string, { static: { scaledown_window?: number; max_containers?: number }; overrides: Record<string, { value: number; timestamp: number }> }>;
}

/** What the stand-in recorded. */
export interface StandInState {
  apps: StandInApp[];
  billing?: { denied?: boolean; rows: unknown[] };
  /** How long `app logs --follow` streams before it ends (seconds; unset: it ends at once). */
  logsFollowSeconds?: number;
  /** Named Dicts by `<environment>/<name>`: key → value. */
  dicts?: Record<string, Record<string, unknown>>;
  calls: { argv: string[]; tokenId: string | null; hasSecret: boolean; modalEnv: string[]; envNames: string[] }[];
}

/** The latest app row of a name, as `modal` resolves a name. */
export function appNamed(state: StandInState, name: string, env = "main"): StandInApp | undefined {
  return state.apps.filter((a) => a.name === name && a.env === env).at(-1);
}

/** A fresh stand-in world: its state file, and readers for it. */
export async function standInWorld() {
  const dir = await mkdtemp(join(tmpdir(), "qcm-modal-stand-in-"));
  const statePath = join(dir, "state.json");
  const state = async (): Promise<StandInState> =>
    existsSync(statePath) ? JSON.parse(await readFile(statePath, "utf8")) : { apps: [], calls: [] };
  /** Runs the stand-in by hand, as a user would run `modal` (e.g. to stop an app outside Pulumi). */
  const runByHand = (args: string[]) =>
    execa(MODAL_STAND_IN, args, {
      env: { MODAL_STAND_IN_STATE: statePath, MODAL_TOKEN_ID: FAKE_CREDENTIALS.tokenId, MODAL_TOKEN_SECRET: FAKE_CREDENTIALS.tokenSecret },
      reject: false,
    });
  return { dir, statePath, state, runByHand };
}
