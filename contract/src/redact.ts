/**
 * Keeps credentials out of everything printed, thrown, logged, streamed or written: the deployer's
 * modal CLI output, the project CLI's output and files, the dashboard's streams, and the MCP
 * server's error excerpts. No imports: the deployer's providers load it by its own subpath,
 * `@qwen-code-modal/contract/redact`, without the rest of the package.
 * @module
 */

/** Environment variables whose values are secrets. */
export const SECRET_ENV_VARS = ["MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET", "MODAL_PROXY_TOKEN_ID", "MODAL_PROXY_TOKEN_SECRET", "HF_TOKEN"] as const;

/**
 * Token shapes: Modal token ids/secrets (`ak-`/`as-`), proxy tokens (`wk-`/`ws-`),
 * Hugging Face tokens (`hf_`).
 */
const TOKEN_SHAPES = /\b(?:ak|as|wk|ws)-[A-Za-z0-9]{10,}\b|\bhf_[A-Za-z0-9]{10,}\b/g;

/** Shortest value treated as a secret: shorter ones would blank out ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * Replaces every known secret value, and anything shaped like a token, with `[redacted]`.
 * Longer values are replaced first, so a secret that contains another one leaves no tail behind.
 * @param secrets - literal secret values to remove (empty and very short ones are ignored).
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  const values = secrets.filter((s): s is string => Boolean(s && s.length >= MIN_SECRET_LENGTH)).sort((a, b) => b.length - a.length);
  for (const s of values) out = out.split(s).join("[redacted]");
  return out.replace(TOKEN_SHAPES, "[redacted]");
}

/**
 * One redaction boundary: a function `text → text` that removes every secret value it has been
 * told about (and token shapes), for every line a program prints, every file it writes and every
 * chunk it streams. Values are learned as they are resolved (environment, `~/.modal.toml`, proxy
 * credentials), so the boundary can be installed before any of them is known.
 */
export interface Redactor {
  /** `text` with every known secret value and token-shaped word replaced by `[redacted]`. */
  (text: string): string;
  /** Adds secret values (undefined, empty and very short ones are ignored). */
  learn(values: Iterable<string | undefined>): void;
  /** The values known so far (for a child process's own redaction; never print them). */
  readonly secrets: readonly string[];
}

/**
 * Creates a {@link Redactor} knowing `initial` values.
 * @param initial - secret values known from the start.
 */
export function createRedactor(initial: Iterable<string | undefined> = []): Redactor {
  const known: string[] = [];
  const redactor = ((text: string) => redact(text, known)) as Redactor;
  redactor.learn = (values: Iterable<string | undefined>) => {
    for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH && !known.includes(v)) known.push(v);
  };
  redactor.learn(initial);
  Object.defineProperty(redactor, "secrets", { get: () => [...known] });
  return redactor;
}

/**
 * The secret values in a set of variables: those of {@link SECRET_ENV_VARS} and of `names`
 * (e.g. the proxy-auth variables an endpoint config names).
 */
export function secretValuesOf(vars: Readonly<Record<string, string | undefined>>, names: readonly string[] = []): string[] {
  return [...SECRET_ENV_VARS, ...names].map((n) => vars[n]?.trim()).filter((v): v is string => Boolean(v));
}
