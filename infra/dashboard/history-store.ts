/**
 * The dashboard's memory across runs: metrics samples, spend readings and bench results in one
 * SQLite database under the cache folder (`<cacheDir>/dashboard/history.sqlite`), through Node's
 * built-in `node:sqlite` (Node 22.5+, no flag needed in Node 24; nodejs.org/api/sqlite.html).
 * WAL mode with a busy timeout, so two dashboards (or a dashboard and a test) can share it.
 *
 * Retention: samples {@link SAMPLE_RETENTION_DAYS} days, spend readings {@link SPEND_RETENTION_DAYS}
 * days; bench results are kept (one row per result file). Charts read a range (`hour`, `day`,
 * `week`): the hour as stored, longer ranges averaged per bucket so a week stays a few hundred points.
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { BenchResult } from "../bench/results";
import type { MetricsSample } from "./monitor";

/** Days of metrics samples kept. */
export const SAMPLE_RETENTION_DAYS = 8;
/** Days of spend readings kept. */
export const SPEND_RETENTION_DAYS = 90;

/** The sample fields stored, one column each (all numbers, NULL when not measured). */
const FIELDS = [
  "running",
  "waiting",
  "kvCacheUsage",
  "generationTps",
  "promptTps",
  "prefixCacheHitRate",
  "ttftP50",
  "ttftP90",
  "itlP50",
  "itlP90",
  "e2eP50",
  "e2eP90",
  "specDecodeAcceptance",
] as const satisfies readonly (keyof MetricsSample)[];

/** A chart range and its bucket: the last hour as stored, a day per minute, a week per 10 minutes. Seconds. */
export const RANGES = { hour: { span: 3600, bucket: 0 }, day: { span: 86_400, bucket: 60 }, week: { span: 7 * 86_400, bucket: 600 } } as const;
export type RangeName = keyof typeof RANGES;

/** One actual-spend reading, as the page shows it. */
export interface SpendReading {
  /** Where the figure comes from, for the label (e.g. `Modal billing report`). */
  source: string;
  /** What it covers (e.g. `this month (UTC) so far`). */
  period: string;
  /** USD. */
  usd: number;
  /** Unix time of the reading, seconds. */
  t: number;
  /** Per deployment, USD, when the source splits it. */
  byDeployment?: Record<string, number>;
}

/** A bench result as the comparison view lists it. */
export interface BenchRow {
  configHash: string;
  deployment: string;
  at: string;
  result: BenchResult;
}

/** The database. Every method is synchronous (node:sqlite) and small. */
export class HistoryStore {
  private readonly db: DatabaseSync;

  /** Opens (creating) the database at `path` and drops what is past retention. */
  constructor(path: string, now = Date.now()) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS samples (deployment TEXT NOT NULL, t REAL NOT NULL, ${FIELDS.map((f) => `${f} REAL`).join(", ")});
      CREATE INDEX IF NOT EXISTS samples_by_time ON samples (deployment, t);
      CREATE TABLE IF NOT EXISTS spend (t REAL NOT NULL, source TEXT NOT NULL, period TEXT NOT NULL, usd REAL NOT NULL, by_deployment TEXT);
      CREATE TABLE IF NOT EXISTS bench (config_hash TEXT NOT NULL, deployment TEXT NOT NULL, at TEXT NOT NULL, result TEXT NOT NULL, PRIMARY KEY (config_hash, deployment, at));
    `);
    this.prune(now);
  }

  /** Drops samples and spend readings past retention. */
  prune(now = Date.now()): void {
    this.db.prepare("DELETE FROM samples WHERE t < ?").run(now / 1000 - SAMPLE_RETENTION_DAYS * 86_400);
    this.db.prepare("DELETE FROM spend WHERE t < ?").run(now / 1000 - SPEND_RETENTION_DAYS * 86_400);
  }

  addSample(deployment: string, sample: MetricsSample): void {
    this.db
      .prepare(`INSERT INTO samples (deployment, t, ${FIELDS.join(", ")}) VALUES (?, ?, ${FIELDS.map(() => "?").join(", ")})`)
      .run(deployment, sample.t, ...FIELDS.map((f) => sample[f] ?? null));
  }

  /** A deployment's samples over a range ending now, oldest first (bucket averages past the hour). */
  samples(deployment: string, range: RangeName, now = Date.now()): MetricsSample[] {
    const { span, bucket } = RANGES[range];
    const since = now / 1000 - span;
    const rows = bucket
      ? this.db
          .prepare(`SELECT MAX(t) AS t, ${FIELDS.map((f) => `AVG(${f}) AS ${f}`).join(", ")} FROM samples WHERE deployment = ? AND t >= ? GROUP BY CAST(t / ? AS INTEGER) ORDER BY t`)
          .all(deployment, since, bucket)
      : this.db.prepare(`SELECT t, ${FIELDS.join(", ")} FROM samples WHERE deployment = ? AND t >= ? ORDER BY t`).all(deployment, since);
    return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)) as unknown as MetricsSample);
  }

  addSpend(reading: SpendReading): void {
    this.db
      .prepare("INSERT INTO spend (t, source, period, usd, by_deployment) VALUES (?, ?, ?, ?, ?)")
      .run(reading.t, reading.source, reading.period, reading.usd, reading.byDeployment ? JSON.stringify(reading.byDeployment) : null);
  }

  /** Spend readings over a range ending now, oldest first. */
  spend(range: RangeName, now = Date.now()): SpendReading[] {
    return this.db
      .prepare("SELECT t, source, period, usd, by_deployment FROM spend WHERE t >= ? ORDER BY t")
      .all(now / 1000 - RANGES[range].span)
      .map((r) => ({
        t: r.t as number,
        source: r.source as string,
        period: r.period as string,
        usd: r.usd as number,
        ...(r.by_deployment ? { byDeployment: JSON.parse(r.by_deployment as string) as Record<string, number> } : {}),
      }));
  }

  /** The latest spend reading, if any. */
  latestSpend(): SpendReading | undefined {
    return this.spend("week").at(-1);
  }

  /** Records a bench result (once per config hash, deployment and time). */
  addBench(result: BenchResult): void {
    if (!result.target.configHash) return;
    this.db
      .prepare("INSERT OR IGNORE INTO bench (config_hash, deployment, at, result) VALUES (?, ?, ?, ?)")
      .run(result.target.configHash, result.target.deployment ?? "", result.at, JSON.stringify(result));
  }

  /** Every bench result, newest first. */
  bench(): BenchRow[] {
    return this.db
      .prepare("SELECT config_hash, deployment, at, result FROM bench ORDER BY at DESC")
      .all()
      .map((r) => ({ configHash: r.config_hash as string, deployment: r.deployment as string, at: r.at as string, result: JSON.parse(r.result as string) as BenchResult }));
  }

  close(): void {
    this.db.close();
  }
}
