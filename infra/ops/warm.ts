/**
 * `warm` / `cool`: keep a deployment's containers up for a working session, so the first prompt
 * does not wait for a cold start, and end that automatically.
 *
 * How: Modal's autoscaler override `min_containers` (`modal function autoscaler update APP/FUNCTION
 * --min-containers N`, see ../provider/modal-autoscaler.ts). Modal keeps the override until it is
 * changed or the app is redeployed (a redeploy resets it to the decorator's values, i.e. scale to
 * zero); Modal has no expiry for it. So the end of a warm period is enforced here, twice:
 * 1. a background timer process (`cool --timer ID`, detached) sleeps until the end and sets
 *    min_containers back to 0, if the record still has its id;
 * 2. the recorded end (warm-records.ts) is honoured by `status`, `warm` and `cool`: whichever runs
 *    first after the end cools a period whose timer did not (machine asleep, off, rebooted).
 * If the machine is off at the end and none of them runs, the container stays up and billed.
 * @module
 */
import { randomUUID } from "node:crypto";
import type { Endpoint } from "@qwen-code-modal/contract";
import { UserError } from "../core/errors";
import { isModalCliError, type ModalCliContext, type ModalCliError } from "../provider/modal-cli";
import { modalAutoscalerSettings, modalSetMinContainers, type AutoscalerSettings } from "../provider/modal-autoscaler";
import { SERVE_FUNCTION, SERVER_CLASS } from "../render/shim";
import { modalMessage } from "./modal-apps";
import { putWarmRecord, readWarmRecords, type WarmRecord } from "./warm-records";

/** Longest warm period `warm --for` accepts, seconds (a working day). */
export const MAX_WARM_SECONDS = 24 * 3600;

/**
 * Parses a duration like `3h`, `90m`, `1h30m`, `45s`.
 * @returns seconds.
 * @throws UserError naming the option and the accepted form.
 */
export function parseDuration(text: string, option = "--for"): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  const seconds = m && text.trim() ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UserError(`${option}: got "${text}"; use a duration like 3h, 90m or 1h30m`);
  if (seconds > MAX_WARM_SECONDS) throw new UserError(`${option}: got "${text}"; at most 24h (a warm container bills every second)`);
  return seconds;
}

/**
 * Modal function references a deployment's web server may have: the function `serve`, or, in the
 * memory-snapshot mode, the class `Server`'s service function `Server.*` (modal/cli/utils.py
 * `_resolve_function_id`: a class is addressed as `APP/Class.*`).
 */
export function candidateFunctionRefs(app: string): string[] {
  return [`${app}/${SERVE_FUNCTION}`, `${app}/${SERVER_CLASS}.*`];
}

/** A deployment's web server function and its autoscaler settings, found by asking Modal. */
export interface FoundFunction {
  functionRef: string;
  settings: AutoscalerSettings;
}

/**
 * Finds the deployment's function (trying each candidate reference) and reads its settings.
 * @param known - a reference recorded earlier, tried first.
 * @throws UserError with modal's message when no candidate is found.
 */
export async function findWebFunction(ctx: ModalCliContext, command: string, name: string, endpoint: Endpoint, known?: string): Promise<FoundFunction> {
  const refs = [...new Set([...(known ? [known] : []), ...candidateFunctionRefs(endpoint.app)])];
  let last: ModalCliError | undefined;
  for (const functionRef of refs) {
    try {
      return { functionRef, settings: await modalAutoscalerSettings(ctx, functionRef) };
    } catch (err) {
      if (!isModalCliError(err)) throw err;
      last = err;
    }
  }
  throw new UserError(`${command}: ${name}: app ${endpoint.app} has no deployed web server function (${refs.join(", ")}): ${last ? modalMessage(last) : "not found"}`);
}

/** What `warm` did. */
export interface WarmResult {
  record: WarmRecord;
  /** Periods of other apps that were over and were cooled on the way. */
  cooledExpired: string[];
}

/**
 * Raises the function's min_containers and records the period.
 * @param deployed - whether Modal lists the app as deployed (from `modal app list`).
 * @throws UserError when the app is not deployed, or modal refuses.
 */
export async function warmDeployment(
  ctx: ModalCliContext,
  recordsPath: string,
  args: { name: string; endpoint: Endpoint; deployed: boolean; seconds: number; containers: number; now?: Date },
): Promise<WarmRecord> {
  const { name, endpoint } = args;
  if (!args.deployed) {
    throw new UserError(`warm: ${name}: app ${endpoint.app} is not deployed (stopped, or never deployed); run \`pulumi up\` first`);
  }
  const known = (await readWarmRecords(recordsPath))[endpoint.app]?.functionRef;
  const { functionRef } = await findWebFunction(ctx, "warm", name, endpoint, known);
  try {
    await modalSetMinContainers(ctx, functionRef, args.containers);
  } catch (err) {
    if (isModalCliError(err)) throw new UserError(`warm: ${name}: ${modalMessage(err)}`);
    throw err;
  }
  const now = args.now ?? new Date();
  const record: WarmRecord = {
    id: randomUUID(),
    deployment: name,
    app: endpoint.app,
    functionRef,
    minContainers: args.containers,
    startedAt: now.toISOString(),
    until: new Date(now.getTime() + args.seconds * 1000).toISOString(),
  };
  await putWarmRecord(recordsPath, endpoint.app, record);
  return record;
}

/**
 * Sets the function's min_containers back to 0 and drops the record.
 * @param functionRef - the recorded reference, or found by asking Modal.
 * @throws UserError with modal's message when modal refuses.
 */
export async function coolFunction(ctx: ModalCliContext, recordsPath: string, app: string, functionRef: string): Promise<void> {
  try {
    await modalSetMinContainers(ctx, functionRef, 0);
  } catch (err) {
    if (isModalCliError(err)) throw new UserError(`cool: ${app}: ${modalMessage(err)}`);
    throw err;
  }
  await putWarmRecord(recordsPath, app, undefined);
}

/**
 * Ends every recorded period that is over (the enforcement when the timer did not run).
 * A period whose app no longer exists is dropped without a modal call failing the caller.
 * @returns the apps cooled.
 */
export async function coolExpired(ctx: ModalCliContext, recordsPath: string, now: Date = new Date()): Promise<string[]> {
  const records = await readWarmRecords(recordsPath);
  const over = Object.values(records).filter((r) => new Date(r.until) <= now);
  const cooled: string[] = [];
  for (const r of over) {
    try {
      await coolFunction(ctx, recordsPath, r.app, r.functionRef);
      cooled.push(r.app);
    } catch {
      // Gone (stopped, redeployed under another function): nothing stays warm; forget the period.
      await putWarmRecord(recordsPath, r.app, undefined);
    }
  }
  return cooled;
}

/**
 * The background timer: sleeps until the record's end, then cools it if the record is unchanged
 * (a later `warm` or `cool` replaced or removed it otherwise).
 * @returns whether it cooled.
 */
export async function runWarmTimer(ctx: ModalCliContext, recordsPath: string, app: string, id: string): Promise<boolean> {
  const record = (await readWarmRecords(recordsPath))[app];
  if (!record || record.id !== id) return false;
  const wait = new Date(record.until).getTime() - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const now = (await readWarmRecords(recordsPath))[app];
  if (!now || now.id !== id) return false;
  await coolFunction(ctx, recordsPath, app, now.functionRef);
  return true;
}

/** `19:33 UTC` (same day) or an ISO date-time. */
export function formatUntil(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  const sameDay = d.toISOString().slice(0, 10) === now.toISOString().slice(0, 10);
  return sameDay ? `${d.toISOString().slice(11, 16)} UTC` : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * Whether each deployment is warm, as Modal's autoscaler settings say (min_containers > 0), with
 * the recorded end; a period that is over is ended first.
 * @param apps - deployed apps (from `modal app list`); others are `cold`.
 * @returns deployment name → `warm until 19:33 UTC` / `warm (min N, no end recorded)` / `cold` / `? (<why>)`.
 */
export async function warmStates(
  ctx: ModalCliContext,
  recordsPath: string,
  endpoints: Record<string, Endpoint>,
  apps: ReadonlyMap<string, number>,
  now: Date = new Date(),
): Promise<Map<string, string>> {
  await coolExpired(ctx, recordsPath, now).catch(() => []);
  const records = await readWarmRecords(recordsPath);
  const entries = await Promise.all(
    Object.entries(endpoints).map(async ([name, endpoint]): Promise<[string, string]> => {
      if (!apps.has(endpoint.app)) return [name, "cold"];
      try {
        const record = records[endpoint.app];
        const { settings } = await findWebFunction(ctx, "status", name, endpoint, record?.functionRef);
        const min = settings.minContainers ?? 0;
        if (min === 0) return [name, "cold"];
        return [name, record ? `warm until ${formatUntil(record.until, now)}` : `warm (min ${min}, no end recorded)`];
      } catch (err) {
        return [name, `? (${(err as Error).message.split(": ").at(-1)})`];
      }
    }),
  );
  return new Map(entries);
}
