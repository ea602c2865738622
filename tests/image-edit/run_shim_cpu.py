"""Runs a rendered image-edit shim's own code end to end on CPU with a tiny pipeline.

Usage: python run_shim_cpu.py SHIM.py WORKDIR
In the image-edit test venv (torch, diffusers, transformers, fastapi, modal at the shim's pins):
imports the shim as Modal would (the real modal SDK, offline), checks the installed pipeline class
takes every argument the shim passes, saves a tiny pipeline of the same classes (random weights,
tests/image-edit/tiny_pipeline.py) to WORKDIR and loads it back with the shim's load_pipeline, then
drives the shim's FastAPI app in-process (fastapi.testclient) through the job API, the OpenAI Images
API and the DashScope route qwen-code's image_gen calls. A thread pool of one worker stands in for
Modal's queue in front of the max_inputs=1 GPU class. Prints one JSON object of what it saw;
asserts as it goes (exit 1 on the first failure).
"""

import base64
import importlib.util
import inspect
import io
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import diffusers  # noqa: E402
from diffusers.pipelines.qwenimage import pipeline_qwenimage_edit_plus  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from PIL import Image  # noqa: E402

import tiny_pipeline  # noqa: E402

# CPU budget: diffusers resizes every reference image to 1024x1024 (VAE) and 384x384 (Qwen2.5-VL)
# before encoding; at those sizes two steps take minutes on a shared 2-core machine. Shrinking the
# two area constants keeps the same code path with 16 latent tokens per reference image.
pipeline_qwenimage_edit_plus.VAE_IMAGE_SIZE = 64 * 64
pipeline_qwenimage_edit_plus.CONDITION_IMAGE_SIZE = 64 * 64


class RecordingDict(dict):
    """A dict (stand-in for modal.Dict) that records every step value written to a job record."""

    def __init__(self):
        super().__init__()
        self.steps = {}

    def __setitem__(self, key, value):
        if isinstance(value, dict) and "step" in value:
            self.steps.setdefault(key, []).append((value["status"], value["step"]))
        super().__setitem__(key, value)


class LocalBackend:
    """Modal's queue in front of a max_inputs=1 class: one worker, jobs in submission order."""

    def __init__(self, shim, pipe, store):
        self.shim, self.pipe, self.store = shim, pipe, store
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.calls = {}

    def submit(self, job_id, request):
        call_id = f"fc-{len(self.calls)}"
        self.calls[call_id] = self.pool.submit(self.shim.run_job, self.pipe, self.store, job_id, request)
        return call_id

    def poll(self, call_id):
        future = self.calls[call_id]
        if future.done():
            future.result()  # raises what the call raised, like FunctionCall.get


def png(color, size=(96, 64)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def b64(data):
    return base64.b64encode(data).decode()


def wait_done(client, job_id, limit=600):
    deadline = time.time() + limit
    while time.time() < deadline:
        status = client.get(f"/v1/jobs/{job_id}").json()
        if status["status"] in ("succeeded", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} not done in {limit} s")


def main(shim_path, workdir):
    seen = {}
    spec = importlib.util.spec_from_file_location("image_edit_shim", shim_path)
    shim = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shim)
    seen["app_name"] = shim.app.name
    seen["pipeline_class"] = shim.PIPELINE_CLASS

    # The installed diffusers has the class the shim names, and its __call__ takes every argument run_edit passes.
    cls = getattr(diffusers, shim.PIPELINE_CLASS)
    params = set(inspect.signature(cls.__call__).parameters)
    passed = {"image", "prompt", "negative_prompt", "true_cfg_scale", "num_inference_steps", "generator", "callback_on_step_end", "width", "height"}
    assert passed <= params, f"{shim.PIPELINE_CLASS}.__call__ lacks {passed - params}"
    seen["call_parameters_checked"] = sorted(passed)
    seen["diffusers_version"] = diffusers.__version__

    pipeline_dir = os.path.join(workdir, "tiny-pipeline")
    cls(**tiny_pipeline.tiny_components(shim.PIPELINE_CLASS)).save_pretrained(pipeline_dir)
    pipe = shim.load_pipeline(pipeline_dir, "cpu", dtype="float32")
    seen["loaded_class"] = type(pipe).__name__

    records = RecordingDict()
    store = shim.JobStore(records, os.path.join(workdir, "results"), shim.JOB_TTL_SECONDS)
    backend = LocalBackend(shim, pipe, store)
    client = TestClient(shim.create_api(store, backend, mode="proxy"))

    assert client.get("/health").json() == {"status": "ok", "model": shim.SERVED_MODEL_NAME}
    assert client.get("/v1/models").json()["data"][0]["id"] == shim.SERVED_MODEL_NAME

    # Job API: two input images, 3 steps, CFG on (true_cfg_scale 4 with the default negative prompt).
    started = time.time()
    created = client.post(
        "/v1/jobs",
        json={"prompt": "paint the left square blue", "images": [b64(png("red")), "data:image/png;base64," + b64(png("green"))], "steps": 3, "seed": 7, "size": "256x256"},
    )
    assert created.status_code == 202, created.text
    job = created.json()
    assert job["status"] == "queued" and job["steps"] == 3 and created.headers["location"] == f"/v1/jobs/{job['id']}"
    done = wait_done(client, job["id"])
    seen["job_seconds"] = round(time.time() - started, 2)
    assert done["status"] == "succeeded", done
    assert done["step"] == 3 and done["progress"] == 1
    seen["job_step_writes"] = records.steps[job["id"]]
    result = client.get(f"/v1/jobs/{job['id']}/result")
    assert result.status_code == 200 and result.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(result.content))
    seen["job_result_size"] = list(image.size)
    assert client.delete(f"/v1/jobs/{job['id']}").json()["deleted"] is True
    assert client.get(f"/v1/jobs/{job['id']}").status_code == 404
    assert not os.path.exists(store.result_path(job["id"]))

    # OpenAI Images API: multipart edit, b64_json back.
    edit = client.post(
        "/v1/images/edits",
        data={"model": shim.SERVED_MODEL_NAME, "prompt": "make it night", "size": "256x256", "steps": "2", "seed": "3", "response_format": "b64_json"},
        files=[("image[]", ("in.png", png("yellow"), "image/png"))],
    )
    assert edit.status_code == 200, edit.text
    body = edit.json()
    openai_image = Image.open(io.BytesIO(base64.b64decode(body["data"][0]["b64_json"])))
    seen["openai_edit"] = {"keys": sorted(body), "size": list(openai_image.size), "created_is_int": isinstance(body["created"], int)}

    # Refusals name the field.
    refusals = {
        "three images": client.post("/v1/jobs", json={"prompt": "x", "images": [b64(png("red"))] * 3}),
        "no image": client.post("/v1/jobs", json={"prompt": "x", "images": []}),
        "steps 0": client.post("/v1/jobs", json={"prompt": "x", "images": [b64(png("red"))], "steps": 0}),
        "remote url": client.post("/v1/jobs", json={"prompt": "x", "images": ["https://example.com/a.png"]}),
        "bad size": client.post("/v1/jobs", json={"prompt": "x", "images": [b64(png("red"))], "size": "100x100"}),
        "n=2": client.post("/v1/images/edits", json={"prompt": "x", "image": b64(png("red")), "n": 2}),
        "url format": client.post("/v1/images/edits", json={"prompt": "x", "image": b64(png("red")), "response_format": "url"}),
    }
    seen["refusals"] = {k: [r.status_code, r.json()["error"]["message"]] for k, r in refusals.items()}

    # qwen-code's image_gen route: the DashScope body qwen-code 0.24.4 sends, bearer key, capability URL.
    bearer = TestClient(shim.create_api(store, backend, mode="bearer", api_key="k-test1", insecure_urls=True))
    dashscope_body = {
        "model": shim.SERVED_MODEL_NAME,
        "input": {"messages": [{"role": "user", "content": [{"text": "a red apple on a table"}]}]},
        "parameters": {"n": 1, "prompt_extend": True, "watermark": False, "size": "256*256", "steps": 2},
    }
    path = "/v1/services/aigc/multimodal-generation/generation"
    unauthorized = bearer.post(path, json=dashscope_body)
    wrong = bearer.post(path, json=dashscope_body, headers={"Authorization": "Bearer nope"})
    generated = bearer.post(path, json=dashscope_body, headers={"Authorization": "Bearer k-test1"})
    assert generated.status_code == 200, generated.text
    url = generated.json()["output"]["choices"][0]["message"]["content"][0]["image"]
    download = bearer.get(url)
    assert download.status_code == 200 and download.content[:8] == b"\x89PNG\r\n\x1a\n"
    forged = bearer.get(url.rsplit("/", 1)[0] + "/forged.png")
    seen["image_gen"] = {
        "unauthorized": unauthorized.status_code,
        "wrong_key": wrong.status_code,
        "status": generated.status_code,
        "url_path": url.split("testserver", 1)[1].rsplit("/", 2)[0],
        "download_size": list(Image.open(io.BytesIO(download.content)).size),
        "forged_token": forged.status_code,
        "proxy_routes_absent": bearer.post("/v1/jobs", json={}).status_code,
    }

    # A failure inside the pipeline is recorded on the job, and the API reports it.
    class Broken:
        def __call__(self, **kwargs):
            raise RuntimeError("CUDA out of memory (simulated)")

    broken_client = TestClient(shim.create_api(store, LocalBackend(shim, Broken(), store), mode="proxy"))
    failed_id = broken_client.post("/v1/jobs", json={"prompt": "x", "images": [b64(png("red"))], "steps": 1}).json()["id"]
    failed = wait_done(broken_client, failed_id)
    seen["failed_job"] = {"status": failed["status"], "error": failed["error"]}

    # A job still running when the synchronous wait ends is handed over as a job (202), not a 303.
    slow_client = TestClient(shim.create_api(store, backend, mode="proxy", sync_wait_seconds=0))
    slow = slow_client.post("/v1/images/edits", json={"prompt": "x", "image": b64(png("red")), "steps": 1, "size": "256x256"})
    seen["sync_timeout"] = {"status": slow.status_code, "object": slow.json().get("object")}
    wait_done(client, slow.json()["id"])

    # Expiry: past its TTL a job is gone, and cleanup removes its record and file.
    kept = [k for k, v in records.items() if isinstance(v, dict) and v.get("status") == "succeeded"]
    files_before = len(os.listdir(store.results_dir))
    store.clock = lambda: time.time() + shim.JOB_TTL_SECONDS + 1
    expired_status = client.get(f"/v1/jobs/{kept[0]}").status_code
    removed = store.expire()
    seen["expiry"] = {"status_after_ttl": expired_status, "removed": removed, "files_before": files_before, "files_after": len(os.listdir(store.results_dir)), "records_after": len(records)}
    print(json.dumps(seen, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
