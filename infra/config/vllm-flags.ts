/**
 * `extraVllmArgs` read the way vLLM 0.33.0's `vllm serve` parser reads them, so a managed or harmful
 * flag cannot slip through under another spelling. vLLM's FlexibleArgumentParser
 * (vllm/utils/argparse_utils.py:313-502) turns `_` into `-` in a flag's name (before any `.`), splits
 * `--flag=value`, folds dotted sub-keys (`--limit-mm-per-prompt.image=5`) into their JSON flag, maps
 * `-O3` to `--optimization-level`; Python's argparse then accepts short aliases (`-tp`) and unique
 * prefixes of long flags (`--max-model` for `--max-model-len`, allow_abbrev is on). The table of
 * every option string is generated from the real parser (`vllm-serve-flags.ts`), and tests/vllm checks
 * it against vLLM and each normalisation against what vLLM parses.
 * @module
 */
import { VLLM_SERVE_FLAGS, VLLM_SERVE_FLAGS_VERSION } from "./vllm-serve-flags";

/** What one argv entry is, to vLLM's parser. */
export type FlagReading =
  | { kind: "value" }
  | { kind: "flag"; option: string; dest: string }
  | { kind: "unknown"; problem: string };

const LONG_OPTIONS = Object.keys(VLLM_SERVE_FLAGS).filter((o) => o.startsWith("--"));
const SHORT_OPTIONS = Object.keys(VLLM_SERVE_FLAGS).filter((o) => !o.startsWith("--")).sort((a, b) => b.length - a.length);

function flag(option: string): FlagReading {
  return { kind: "flag", option, dest: VLLM_SERVE_FLAGS[option].dest };
}

/**
 * Reads one argv entry as vLLM 0.33.0's `vllm serve` parser would.
 * @param arg - one `extraVllmArgs` entry, e.g. `--max_model_len=4096`, `-tp`, `4`.
 */
export function readVllmArg(arg: string): FlagReading {
  if (!arg.startsWith("-") || /^-\d/.test(arg)) return { kind: "value" };
  if (/^-O(=|\d|$)|^-O[a-z]/.test(arg)) return flag("--optimization-level");
  if (arg.startsWith("--")) {
    const name = arg.split("=", 1)[0];
    // FlexibleArgumentParser: underscores to dashes between "--" and the first "."; dotted sub-keys fold into the flag.
    const base = name.split(".", 1)[0].replaceAll("_", "-").replace(/\+$/, "");
    if (Object.hasOwn(VLLM_SERVE_FLAGS, base)) return flag(base);
    const prefixed = LONG_OPTIONS.filter((o) => o.startsWith(base));
    const dests = new Set(prefixed.map((o) => VLLM_SERVE_FLAGS[o].dest));
    if (base.length > 2 && dests.size === 1) return flag(prefixed[0]);
    if (dests.size > 1) return { kind: "unknown", problem: `${base} is ambiguous to vLLM ${VLLM_SERVE_FLAGS_VERSION} (${prefixed.slice(0, 4).join(", ")}...); spell the flag out` };
    return { kind: "unknown", problem: `${base} is not a vllm serve flag in vLLM ${VLLM_SERVE_FLAGS_VERSION}; check \`vllm serve --help=all\`` };
  }
  const short = arg.split("=", 1)[0];
  if (Object.hasOwn(VLLM_SERVE_FLAGS, short)) return flag(short);
  // argparse also reads a value glued to a short option (`-tp4`).
  const glued = SHORT_OPTIONS.find((o) => arg.startsWith(o));
  if (glued) return flag(glued);
  return { kind: "unknown", problem: `${short} is not a vllm serve flag in vLLM ${VLLM_SERVE_FLAGS_VERSION}` };
}

/** Parsed fields (vLLM `dest`s) an extra arg must not set, and why. */
const REFUSED_DESTS: Readonly<Record<string, string>> = {
  api_key: "vLLM would demand its own API key and refuse every client; the endpoint is already behind Modal proxy auth",
  config: "it reads further flags from a file in the container, past these checks; pass the flags themselves",
  model: "set modelId instead",
  model_tag: "set modelId instead",
  headless: "no API server would listen on the port Modal routes to",
  uds: "vLLM would listen on a Unix socket instead of the port Modal routes to",
  grpc: "vLLM would serve gRPC instead of the OpenAI HTTP API the clients use",
  enforce_eager: "set compileCache: false instead (it renders --enforce-eager)",
  enable_sleep_mode: "set coldStart: snapshot instead (it renders --enable-sleep-mode)",
};

/**
 * One line per problem of an `extraVllmArgs` list, by entry index: flags vLLM does not know, flags it
 * reads as one this project sets from a config field (`managedFlags`, any spelling), and flags refused outright.
 * @param managedFlags - the option strings the renderer emits itself (MANAGED_VLLM_FLAGS).
 */
export function extraVllmArgProblems(args: readonly string[], managedFlags: readonly string[]): { index: number; message: string }[] {
  const managed = new Set(managedFlags.filter((f) => Object.hasOwn(VLLM_SERVE_FLAGS, f)).map((f) => VLLM_SERVE_FLAGS[f].dest));
  const problems: { index: number; message: string }[] = [];
  args.forEach((arg, index) => {
    const reading = readVllmArg(arg);
    if (reading.kind === "value") return;
    if (reading.kind === "unknown") {
      problems.push({ index, message: reading.problem });
      return;
    }
    const as = arg.split("=", 1)[0] === reading.option ? reading.option : `${reading.option} (vLLM reads ${arg.split("=", 1)[0]} as it)`;
    if (Object.hasOwn(REFUSED_DESTS, reading.dest)) {
      problems.push({ index, message: `${as} is refused: ${REFUSED_DESTS[reading.dest]}` });
    } else if (managed.has(reading.dest)) {
      problems.push({ index, message: `${as} is set from its own config field; set that field instead` });
    }
  });
  return problems;
}
