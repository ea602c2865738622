/**
 * Renders an image-edit deployment as a Modal app: a GPU class (`Editor`, `max_inputs=1`, the
 * diffusers pipeline loaded once per container) fed through Modal's queue by `spawn`, a light CPU
 * web function (`serve`, proxy auth) with the job API and the OpenAI Images API, an optional
 * bearer-checked web function (`images`) in the DashScope shape qwen-code's `image_gen` sends, and a
 * scheduled `cleanup` that removes expired jobs. Job records live in a `modal.Dict`, results in a
 * `modal.Volume`. The request/pipeline/job code is `image_edit_runtime.py`, inlined verbatim.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ImageEditDeployment } from "../config/image-edit-schema";
import { COLD_START_MODE_FACTS, HF_CACHE_VOLUME } from "../coldstart/modes";
import { projectRoot } from "../core/paths";
import { canonicalJson, sha256 } from "./hash";
import { py, pyKwargs, pyStr, PyCode } from "./python";
import { GENERATED_MARKER, IMAGE_PYTHON, ledgerParts, SERVE_FUNCTION, type RenderedShim, type ShimOptions } from "./shim";
import type { WebEndpoint } from "../modal/web-endpoints";

/** Bumped whenever the template or the runtime changes in a way the inputs hash must see. */
export const IMAGE_EDIT_TEMPLATE_VERSION = 1;

/** The GPU class, its method, the bearer web function and the cleanup function. */
export const EDITOR_CLASS = "Editor";
export const EDIT_METHOD = "edit";
export const IMAGES_FUNCTION = "images";
export const CLEANUP_FUNCTION = "cleanup";

/** Where the results Volume is mounted in both containers. */
export const RESULTS_DIR = "/results";

/** Seconds a synchronous request (OpenAI edits, DashScope generation) waits: under Modal's 150 s limit. */
export const SYNC_WAIT_SECONDS = 140;

/** Largest input image accepted, bytes. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/** Light packages of the web function's image (no torch). */
const WEB_PACKAGES = ["fastapi", "pillow", "python-multipart"];

/** Path of the runtime inlined into every image-edit shim. */
export function imageEditRuntimePath(root = projectRoot()): string {
  return join(root, "infra", "render", "image_edit_runtime.py");
}

/** Path of the pinned GPU-image requirements (also installed by scripts/dev for the CPU tests). */
export function imageEditRequirementsPath(root = projectRoot()): string {
  return join(root, "infra", "render", "image-edit-requirements.txt");
}

/**
 * The pinned requirements, `name==version` each, with `diffusers` at the deployment's version.
 * @throws Error when the requirements file is missing.
 */
export function imageEditRequirements(diffusersVersion: string): string[] {
  return readFileSync(imageEditRequirementsPath(), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => (l.startsWith("diffusers==") ? `diffusers==${diffusersVersion}` : l));
}

/** Names of the Modal objects an image-edit app keeps its jobs in. */
export function imageEditObjects(d: ImageEditDeployment): { jobsDict: string; resultsVolume: string } {
  return { jobsDict: `${d.appName}-jobs`, resultsVolume: `${d.appName}-results` };
}

function pin(requirements: string[], name: string): string {
  const line = requirements.find((r) => r.startsWith(`${name}==`));
  return line ?? name;
}

/**
 * Renders an image-edit deployment's shim.
 * @param name - deployment name (e.g. `image-edit`).
 * @param options - `ledgerDict`: the GPU class records its GPU seconds in the controller's Dict.
 */
export function renderImageEditShim(name: string, d: ImageEditDeployment, options: ShimOptions = {}): RenderedShim {
  const runtime = readFileSync(imageEditRuntimePath(), "utf8");
  const requirements = imageEditRequirements(d.diffusersVersion);
  const ledger = ledgerParts(options);
  const inputsHash = sha256(canonicalJson({ template: IMAGE_EDIT_TEMPLATE_VERSION, name, deployment: d, runtime: sha256(runtime), requirements, ...ledger.hashInput }));
  const facts = COLD_START_MODE_FACTS[d.coldStart];
  const bake = facts.weights === "image";
  const objects = imageEditObjects(d);
  const secrets = d.hfSecretName ? `[modal.Secret.from_name(${pyStr(d.hfSecretName)}, required_keys=["HF_TOKEN"])]` : "[]";
  const gpuVolumes = bake ? `{RESULTS_DIR: results}` : `{RESULTS_DIR: results, ${pyStr(HF_CACHE_VOLUME.mountPath)}: modal.Volume.from_name(${pyStr(HF_CACHE_VOLUME.volumeName)}, create_if_missing=True)}`;
  const editorKwargs = pyKwargs({
    image: new PyCode("gpu_image"),
    gpu: d.gpu,
    timeout: d.timeout,
    scaledown_window: d.scaledownWindow,
    max_containers: d.maxContainers,
    secrets: new PyCode("SECRETS"),
    volumes: new PyCode(gpuVolumes),
  });
  const webKwargs = (timeout: number) =>
    pyKwargs({ image: new PyCode("web_image"), timeout, scaledown_window: 60, volumes: new PyCode("{RESULTS_DIR: results}") });
  const source = `${GENERATED_MARKER} from its stack config: do not edit, run \`npm run render\`.
# deployment: ${name}
# inputs-sha256: ${inputsHash}
"""Modal app ${pyStr(d.appName)}: ${d.pipelineClass} (diffusers ${d.diffusersVersion}) for ${d.modelId} (role: image-edit, cold start: ${d.coldStart})."""

import modal

APP_NAME = ${pyStr(d.appName)}
MODEL_ID = ${pyStr(d.modelId)}
MODEL_REVISION = ${pyStr(d.modelRevision)}
${bake ? `MODEL_DIR = ${pyStr(`/models/${d.modelId.replace("/", "--")}`)}\n` : ""}SERVED_MODEL_NAME = ${pyStr(d.servedModelName)}
PIPELINE_CLASS = ${pyStr(d.pipelineClass)}
DEFAULT_STEPS = ${d.steps}
MAX_STEPS = ${d.maxSteps}
TRUE_CFG_SCALE = ${py(d.trueCfgScale)}
IMAGE_SIZE = ${d.imageSize}
MAX_INPUT_IMAGES = ${d.maxInputImages}
MAX_IMAGE_BYTES = ${MAX_IMAGE_BYTES}
JOB_TTL_SECONDS = ${d.jobTtl}
SYNC_WAIT_SECONDS = ${SYNC_WAIT_SECONDS}
RESULTS_DIR = ${pyStr(RESULTS_DIR)}
JOBS_DICT = ${pyStr(objects.jobsDict)}
RESULTS_VOLUME = ${pyStr(objects.resultsVolume)}
SECRETS = ${secrets}
${ledger.constant.map((c) => `${c}\n`).join("")}
${runtime.trimEnd()}
${ledger.code}

# ---- Modal wiring ----
${
  bake
    ? `
def download_weights() -> None:
    """Image build step: bake the pinned pipeline into the image for fast cold starts."""
    from huggingface_hub import snapshot_download

    snapshot_download(MODEL_ID, revision=MODEL_REVISION, local_dir=MODEL_DIR)

`
    : ""
}
gpu_image = (
    modal.Image.debian_slim(python_version=${pyStr(IMAGE_PYTHON)})
    .uv_pip_install(${requirements.map(pyStr).join(", ")})
    .env(${py({ ...facts.env })})${bake ? `\n    .run_function(download_weights, secrets=SECRETS)` : ""}
)
web_image = modal.Image.debian_slim(python_version=${pyStr(IMAGE_PYTHON)}).uv_pip_install(${WEB_PACKAGES.map((p) => pyStr(pin(requirements, p))).join(", ")})

app = modal.App(APP_NAME)
jobs = modal.Dict.from_name(JOBS_DICT, create_if_missing=True)
results = modal.Volume.from_name(RESULTS_VOLUME, create_if_missing=True)


def job_store() -> JobStore:
    return JobStore(jobs, RESULTS_DIR, JOB_TTL_SECONDS, commit=results.commit, reload=results.reload)


@app.cls(${editorKwargs})
@modal.concurrent(max_inputs=1)
class ${EDITOR_CLASS}:
    @modal.enter()
    def load(self) -> None:
        """Once per container: the pipeline onto the GPU."""${ledger.code ? "\n        ledger_start()" : ""}
        self.pipe = load_pipeline(${bake ? "MODEL_DIR" : "MODEL_ID"}, "cuda"${bake ? "" : ", revision=MODEL_REVISION"})

    @modal.method()
    def ${EDIT_METHOD}(self, job_id: str, request: dict) -> dict:
        """One job at a time per container; Modal queues the rest."""
        return run_job(self.pipe, job_store(), job_id, request)


class ModalBackend:
    """Jobs go to the GPU class through Modal's queue; FunctionCall ids let the API notice a dead call."""

    def submit(self, job_id: str, request: dict) -> str:
        return ${EDITOR_CLASS}().${EDIT_METHOD}.spawn(job_id, request).object_id

    def poll(self, call_id: str) -> None:
        try:
            modal.FunctionCall.from_id(call_id).get(timeout=0)
        except TimeoutError:
            pass


@app.function(${webKwargs(SYNC_WAIT_SECONDS + 30)})
@modal.concurrent(max_inputs=32)
@modal.asgi_app(${pyKwargs({ label: d.label, requires_proxy_auth: true })})
def ${SERVE_FUNCTION}():
    """Job API and OpenAI Images API, behind Modal proxy auth."""
    return create_api(job_store(), ModalBackend(), mode="proxy")
${
  d.imageApiKeySecret
    ? `

@app.function(${webKwargs(SYNC_WAIT_SECONDS + 30)}, secrets=[modal.Secret.from_name(${pyStr(d.imageApiKeySecret)}, required_keys=["QCM_IMAGE_API_KEY"])])
@modal.concurrent(max_inputs=32)
@modal.asgi_app(requires_proxy_auth=False)
def ${IMAGES_FUNCTION}():
    """qwen-code's image_gen (DashScope shape): Authorization: Bearer QCM_IMAGE_API_KEY, checked in the app."""
    import os

    return create_api(job_store(), ModalBackend(), mode="bearer", api_key=os.environ["QCM_IMAGE_API_KEY"])
`
    : ""
}

@app.function(image=web_image, schedule=modal.Period(minutes=10), timeout=300, volumes={RESULTS_DIR: results})
def ${CLEANUP_FUNCTION}() -> int:
    """Removes expired jobs and their result files."""
    return job_store().expire()
`;
  const webEndpoints: WebEndpoint[] = [
    { kind: "function", name: SERVE_FUNCTION },
    ...(d.imageApiKeySecret ? [{ kind: "function" as const, name: IMAGES_FUNCTION }] : []),
  ];
  return { name, source, inputsHash, webEndpoints };
}
