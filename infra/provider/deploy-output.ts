/**
 * Reads `modal deploy` output. Shapes handled (modal 1.6.4 `modal/_output/status.py` and
 * `runner.py`, and the older single-row form):
 * ```
 * ✓ Created objects.
 * └── ✓ Created web function serve
 *     └── https://ws--qcm-coder-serve.modal.run 🔑
 * ✓ App deployed in 12.345s! 🎉
 * ```
 * or `🔨 Created web function serve => https://ws--app-serve.modal.run 🔑`; for a class (the
 * memory-snapshot mode) `✓ Created function Server.*.` with a row `serve -> https://...` per web
 * method; and `Deployment skipped: no changes detected!`.
 * @module
 */
import { MODAL_RUN_URL } from "../modal/urls";

/** What a deploy reported. */
export interface DeployResult {
  /** Web endpoint URL per function name. */
  urls: Record<string, string>;
  /** True when Modal found nothing to change. */
  skipped: boolean;
  /** True when Modal confirmed the deploy (`App deployed in ...` or skipped). */
  confirmed: boolean;
}

const CREATED_WEB_FUNCTION = /Created web (?:function|endpoint) ([A-Za-z_][\w.]*)/;
const CLASS_METHOD_URL = /([A-Za-z_]\w*) -> https:\/\//;
const DETAIL_ROW_URL = /^[\s│]*└── (https?:\/\/[^\s\]]+)/;

/** Parses the combined stdout/stderr of `modal deploy`. */
export function parseDeployOutput(text: string): DeployResult {
  const urls: Record<string, string> = {};
  let current: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const fn = CREATED_WEB_FUNCTION.exec(line);
    if (fn) current = fn[1];
    else if (/Created /.test(line)) current = undefined;
    // A web function's detail row holds `handle_metadata.web_url` as the server sends it
    // (_output/status.py:59-66): a *.modal.run URL, or a custom domain's.
    const url = line.match(MODAL_RUN_URL)?.[0] ?? (current ? DETAIL_ROW_URL.exec(line)?.[1] : undefined);
    const owner = CLASS_METHOD_URL.exec(line)?.[1] ?? current;
    if (url && owner && !urls[owner]) urls[owner] = url;
  }
  const skipped = /Deployment skipped: no changes detected/.test(text);
  return { urls, skipped, confirmed: skipped || /App deployed in [\d.]+s/.test(text) };
}
