/**
 * The local record of warm periods (`warm.json` beside the endpoint config): which app's function
 * `warm` set to keep containers up, and until when. `status`, `cool`, `warm` and the background
 * timer read it to end a period that is over; Modal itself holds no expiry.
 * @module
 */
import { readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { writeFileAtomically } from "../core/files";

/** One warm period. Times are ISO 8601 UTC. */
export interface WarmRecord {
  /** Random id; a timer ends the period only if the record still has its id. */
  id: string;
  deployment: string;
  app: string;
  /** Modal function reference `APP/FUNCTION` whose min_containers was raised. */
  functionRef: string;
  minContainers: number;
  startedAt: string;
  until: string;
  /** pid of the background timer, when one was started. */
  timerPid?: number;
}

const recordSchema = z.object({
  id: z.string(),
  deployment: z.string(),
  app: z.string(),
  functionRef: z.string(),
  minContainers: z.number().int().positive(),
  startedAt: z.string(),
  until: z.string(),
  timerPid: z.number().int().optional(),
});
const fileSchema = z.object({ version: z.literal(1), warm: z.record(z.string(), recordSchema) });

/** `warm.json` beside the endpoint config. */
export function warmRecordsPath(endpointConfigPath: string): string {
  return join(dirname(endpointConfigPath), "warm.json");
}

/**
 * The records, keyed by app name; an unreadable or foreign file counts as none.
 */
export async function readWarmRecords(path: string): Promise<Record<string, WarmRecord>> {
  try {
    const parsed = fileSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
    return parsed.success ? parsed.data.warm : {};
  } catch {
    return {};
  }
}

/** Writes (or with `record` undefined, removes) the record of an app, atomically. */
export async function putWarmRecord(path: string, app: string, record: WarmRecord | undefined): Promise<void> {
  const all = await readWarmRecords(path);
  if (record) all[app] = record;
  else delete all[app];
  if (Object.keys(all).length === 0) await rm(path, { force: true });
  else await writeFileAtomically(path, `${JSON.stringify({ version: 1, warm: all }, null, 2)}\n`, { mode: 0o600 });
}
