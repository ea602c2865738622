# ---- image-edit runtime (infra/render/image_edit_runtime.py, inlined by the renderer) ----
# Everything below runs inside the Modal containers and, unchanged, in the project's tests on CPU
# with a tiny pipeline. It reads the constants rendered above it (PIPELINE_CLASS, DEFAULT_STEPS, ...).
# Heavy imports (torch, diffusers, PIL, fastapi) happen inside functions: the web container's image
# has no torch, and the modal SDK check imports this module without any of them.


class BadRequest(Exception):
    """A request the API refuses with HTTP 400; the message names the field and the fix."""


def _decode_image(value, field):
    """Image bytes from base64, or from a data: URL; never fetched from the network."""
    import base64
    import binascii

    if not isinstance(value, str) or not value:
        raise BadRequest(f"{field}: must be a base64 string or a data:image/...;base64 URL")
    if value.startswith(("http://", "https://")):
        raise BadRequest(f"{field}: remote image URLs are not fetched; send the image as base64 or a data: URL")
    if value.startswith("data:"):
        header, _, value = value.partition(",")
        if ";base64" not in header:
            raise BadRequest(f"{field}: data URL must be base64-encoded")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"{field}: not valid base64") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise BadRequest(f"{field}: {len(data)} bytes is over the {MAX_IMAGE_BYTES}-byte limit")
    return data


def _parse_size(value, field):
    """`WxH` or `W*H` (DashScope) in pixels, each a multiple of 16, area at most 2048x2048; None for auto."""
    if value in (None, "", "auto"):
        return None
    import re

    match = re.fullmatch(r"(\d+)\s*[x*X]\s*(\d+)", str(value))
    if not match:
        raise BadRequest(f"{field}: got {value!r}; use WIDTHxHEIGHT, e.g. 1024x1024")
    width, height = int(match.group(1)), int(match.group(2))
    if width % 16 or height % 16 or not (256 <= width <= 2048 and 256 <= height <= 2048) or width * height > 2048 * 2048:
        raise BadRequest(f"{field}: got {value!r}; width and height must be multiples of 16 between 256 and 2048")
    return [width, height]


def parse_edit_request(body, require_image=True):
    """Validates an edit request (JSON object) into the dict the GPU worker runs.

    Fields: prompt (str), images (1..MAX_INPUT_IMAGES base64 strings), steps, seed, true_cfg_scale,
    negative_prompt, size. Raises BadRequest naming the field.
    """
    if not isinstance(body, dict):
        raise BadRequest("body: must be a JSON object")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise BadRequest("prompt: must be a non-empty string")
    if len(prompt) > 10_000:
        raise BadRequest("prompt: must be at most 10000 characters")
    images = body.get("images") or []
    if not isinstance(images, list):
        raise BadRequest("images: must be a list of base64 images")
    if require_image and not images:
        raise BadRequest(f"images: send 1 to {MAX_INPUT_IMAGES} images to edit")
    if len(images) > MAX_INPUT_IMAGES:
        raise BadRequest(f"images: got {len(images)}; this deployment takes at most {MAX_INPUT_IMAGES}")
    steps = body.get("steps", DEFAULT_STEPS)
    if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= MAX_STEPS:
        raise BadRequest(f"steps: got {steps!r}; must be an integer from 1 to {MAX_STEPS}")
    seed = body.get("seed")
    if seed is None:
        import secrets

        seed = secrets.randbelow(2**31)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise BadRequest(f"seed: got {seed!r}; must be a non-negative integer")
    cfg = body.get("true_cfg_scale", TRUE_CFG_SCALE)
    if not isinstance(cfg, (int, float)) or isinstance(cfg, bool) or not 1 <= cfg <= 20:
        raise BadRequest(f"true_cfg_scale: got {cfg!r}; must be a number from 1 to 20")
    negative = body.get("negative_prompt", " ")
    if not isinstance(negative, str):
        raise BadRequest("negative_prompt: must be a string")
    return {
        "prompt": prompt,
        "images": [_decode_image(v, f"images[{i}]") for i, v in enumerate(images)],
        "steps": steps,
        "seed": seed,
        "true_cfg_scale": float(cfg),
        "negative_prompt": negative,
        "size": _parse_size(body.get("size"), "size"),
    }


def load_pipeline(source, device, dtype="bfloat16", revision=None):
    """Loads PIPELINE_CLASS from a diffusers folder or Hub id onto `device`."""
    import diffusers
    import torch

    cls = getattr(diffusers, PIPELINE_CLASS)
    kwargs = {"dtype": getattr(torch, dtype)}
    if revision:
        kwargs["revision"] = revision
    pipe = cls.from_pretrained(source, **kwargs)
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def run_edit(pipe, request, on_step):
    """Runs one edit; calls on_step(done, total) after every denoising step; returns PNG bytes."""
    import io

    import torch
    from PIL import Image

    images = [Image.open(io.BytesIO(b)).convert("RGB") for b in request["images"]]
    size = request["size"]
    if not images:
        # No input image (a text-to-image request from qwen-code's image_gen): the edit model
        # paints on a blank canvas of the requested size.
        width, height = size or [IMAGE_SIZE, IMAGE_SIZE]
        images = [Image.new("RGB", (width, height), "white")]
    total = request["steps"]

    def callback(_pipe, step, _timestep, callback_kwargs):
        on_step(step + 1, total)
        return callback_kwargs

    kwargs = {
        "image": images if PIPELINE_CLASS == "QwenImageEditPlusPipeline" else images[0],
        "prompt": request["prompt"],
        "negative_prompt": request["negative_prompt"],
        "true_cfg_scale": request["true_cfg_scale"],
        "num_inference_steps": total,
        "generator": torch.Generator(device="cpu").manual_seed(request["seed"]),
        "callback_on_step_end": callback,
    }
    if size:
        kwargs["width"], kwargs["height"] = size
    result = pipe(**kwargs).images[0]
    buffer = io.BytesIO()
    result.save(buffer, format="PNG")
    return buffer.getvalue()


class JobStore:
    """Job records in a dict-like (a modal.Dict in the cloud, a dict in tests) and results as files.

    A record: {id, status: queued|running|succeeded|failed, step, steps, created_at, started_at,
    finished_at, expires_at, error, token}. Results live in `results_dir` (a modal.Volume mount),
    committed after writing and reloaded before reading, so the web and GPU containers see them.
    """

    def __init__(self, records, results_dir, ttl_seconds, commit=None, reload=None, clock=None):
        import time

        self.records = records
        self.results_dir = results_dir
        self.ttl = ttl_seconds
        self._commit = commit or (lambda: None)
        self._reload = reload or (lambda: None)
        self.clock = clock or time.time

    def create(self, steps):
        import secrets
        import uuid

        now = self.clock()
        job_id = uuid.uuid4().hex
        record = {
            "id": job_id,
            "status": "queued",
            "step": 0,
            "steps": steps,
            "created_at": now,
            "expires_at": now + self.ttl,
            "token": secrets.token_urlsafe(24),
        }
        self.records[job_id] = record
        return record

    def get(self, job_id):
        record = self.records.get(job_id)
        if record is None or record["expires_at"] < self.clock():
            return None
        return record

    def update(self, job_id, **fields):
        record = dict(self.records.get(job_id) or {})
        if not record:
            return None
        record.update(fields)
        self.records[job_id] = record
        return record

    def set_call(self, job_id, call_id):
        # Its own key: the GPU container writes the record (progress) while the web container spawns.
        self.records[f"{job_id}:call"] = call_id

    def call_of(self, job_id):
        return self.records.get(f"{job_id}:call")

    def result_path(self, job_id):
        import os

        return os.path.join(self.results_dir, f"{job_id}.png")

    def save_result(self, job_id, png):
        import os

        os.makedirs(self.results_dir, exist_ok=True)
        tmp = self.result_path(job_id) + ".tmp"
        with open(tmp, "wb") as f:
            f.write(png)
        os.replace(tmp, self.result_path(job_id))
        self._commit()

    def read_result(self, job_id):
        self._reload()
        with open(self.result_path(job_id), "rb") as f:
            return f.read()

    def delete(self, job_id):
        import os

        self.records.pop(job_id, None)
        self.records.pop(f"{job_id}:call", None)
        try:
            os.remove(self.result_path(job_id))
            self._commit()
        except FileNotFoundError:
            pass

    def expire(self):
        """Removes every expired job and its file; returns how many were removed."""
        now = self.clock()
        expired = [k for k, r in list(self.records.items()) if isinstance(r, dict) and r.get("expires_at", now) < now]
        for job_id in expired:
            self.delete(job_id)
        return len(expired)


def run_job(pipe, store, job_id, request):
    """The GPU side of a job: progress per step into the store, the PNG into the results folder."""
    started = store.clock()
    store.update(job_id, status="running", started_at=started, step=0)
    try:
        png = run_edit(pipe, request, lambda step, total: store.update(job_id, step=step))
        store.save_result(job_id, png)
    except Exception as exc:  # recorded for the client; the container keeps serving
        store.update(job_id, status="failed", error=f"{type(exc).__name__}: {exc}", finished_at=store.clock())
        return {"status": "failed"}
    finished = store.clock()
    store.update(job_id, status="succeeded", finished_at=finished, expires_at=finished + store.ttl, bytes=len(png))
    return {"status": "succeeded", "seconds": finished - started}


def _public(record):
    keys = ("id", "status", "step", "steps", "created_at", "started_at", "finished_at", "expires_at", "error")
    view = {k: record[k] for k in keys if record.get(k) is not None}
    view["object"] = "image.edit.job"
    view["progress"] = round(record["step"] / record["steps"], 4) if record.get("steps") else 0
    return view


def create_api(store, backend, mode="proxy", api_key=None, sync_wait_seconds=None, insecure_urls=False):
    """The web endpoint as a FastAPI app.

    mode "proxy" (behind Modal proxy auth): job API + OpenAI Images API edits.
    mode "bearer" (no proxy auth; `Authorization: Bearer <api_key>` checked here): the DashScope
    multimodal-generation shape qwen-code's image_gen sends, plus capability URLs for the result.
    `backend.submit(job_id, request)` queues a job and returns a call id; `backend.poll(call_id)`
    raises when the call failed without recording it (e.g. the container died).
    """
    import asyncio
    import base64
    import hmac
    import time

    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, Response

    wait_limit = SYNC_WAIT_SECONDS if sync_wait_seconds is None else sync_wait_seconds
    app = FastAPI(title=f"{APP_NAME} ({mode})", docs_url=None, redoc_url=None, openapi_url=None)

    def error(status, message, code="InvalidParameter"):
        # OpenAI's error object, plus DashScope's top-level code/message that qwen-code reads.
        return JSONResponse({"error": {"message": message, "type": code}, "code": code, "message": message}, status_code=status)

    def checked(job_id):
        record = store.get(job_id)
        if record is None:
            return None
        if record["status"] in ("queued", "running"):
            call_id = store.call_of(job_id)
            if call_id:
                try:
                    backend.poll(call_id)
                except Exception as exc:
                    record = store.update(job_id, status="failed", error=f"{type(exc).__name__}: {exc}")
        return record

    def submit(request):
        record = store.create(request["steps"])
        store.set_call(record["id"], backend.submit(record["id"], request))
        return record

    # modal.Dict, Volume and FunctionCall calls block: async handlers run them in a worker thread
    # (sync handlers already run in FastAPI's thread pool).
    blocking = asyncio.to_thread

    async def wait(job_id):
        deadline = time.monotonic() + wait_limit
        while True:
            record = await blocking(checked, job_id)
            if record is None or record["status"] in ("succeeded", "failed") or time.monotonic() >= deadline:
                return record
            await asyncio.sleep(0.25)

    @app.get("/health")
    def health():
        return {"status": "ok", "model": SERVED_MODEL_NAME}

    if mode == "proxy":

        @app.get("/v1/models")
        def models():
            return {"object": "list", "data": [{"id": SERVED_MODEL_NAME, "object": "model", "owned_by": APP_NAME}]}

        @app.post("/v1/jobs", status_code=202)
        async def create_job(request: Request):
            try:
                parsed = parse_edit_request(await request.json())
            except BadRequest as exc:
                return error(400, str(exc))
            except ValueError:
                return error(400, "body: must be JSON")
            record = await blocking(submit, parsed)
            return JSONResponse(_public(record), status_code=202, headers={"Location": f"/v1/jobs/{record['id']}"})

        @app.get("/v1/jobs/{job_id}")
        def job_status(job_id: str):
            record = checked(job_id)
            return error(404, f"job {job_id} not found or expired", "NotFound") if record is None else _public(record)

        @app.get("/v1/jobs/{job_id}/result")
        def job_result(job_id: str):
            record = checked(job_id)
            if record is None:
                return error(404, f"job {job_id} not found or expired", "NotFound")
            if record["status"] != "succeeded":
                return error(409, f"job {job_id} is {record['status']}; poll /v1/jobs/{job_id} until it has succeeded", "NotReady")
            return Response(store.read_result(job_id), media_type="image/png")

        @app.delete("/v1/jobs/{job_id}")
        def job_delete(job_id: str):
            store.delete(job_id)
            return {"id": job_id, "object": "image.edit.job", "deleted": True}

        @app.post("/v1/images/edits")
        async def images_edits(request: Request):
            # OpenAI Images API: multipart form with image (or image[]) files, prompt, n, size,
            # response_format; seed and steps as extensions. JSON bodies are accepted too.
            try:
                if request.headers.get("content-type", "").startswith("multipart/form-data"):
                    form = await request.form()
                    files = [f for key in ("image", "image[]") for f in form.getlist(key)]
                    body = {"prompt": form.get("prompt"), "size": form.get("size")}
                    body["images"] = [base64.b64encode(await f.read()).decode() for f in files]
                    for key, cast in (("steps", int), ("seed", int), ("true_cfg_scale", float)):
                        if form.get(key) is not None:
                            body[key] = cast(form.get(key))
                    n, response_format = form.get("n", "1"), form.get("response_format", "b64_json")
                else:
                    body = await request.json()
                    n, response_format = body.pop("n", 1), body.pop("response_format", "b64_json")
                    if "image" in body:
                        image = body.pop("image")
                        body["images"] = image if isinstance(image, list) else [image]
                if str(n) != "1":
                    raise BadRequest(f"n: got {n!r}; this endpoint makes 1 image per request")
                if response_format != "b64_json":
                    raise BadRequest(f"response_format: got {response_format!r}; only b64_json is served (results are not hosted)")
                parsed = parse_edit_request(body)
            except BadRequest as exc:
                return error(400, str(exc))
            except ValueError as exc:
                return error(400, f"body: {exc}")
            record = await wait((await blocking(submit, parsed))["id"])
            if record["status"] == "failed":
                return error(500, f"edit failed: {record.get('error')}", "InternalError")
            if record["status"] != "succeeded":
                # Modal answers a request still open after 150 s with a 303; hand over the job instead.
                return JSONResponse(_public(record), status_code=202, headers={"Location": f"/v1/jobs/{record['id']}"})
            png = await blocking(store.read_result, record["id"])
            await blocking(store.delete, record["id"])
            return {"created": int(record["finished_at"]), "data": [{"b64_json": base64.b64encode(png).decode()}]}

    else:

        def authorized(request):
            header = request.headers.get("authorization", "")
            given = header[7:] if header.lower().startswith("bearer ") else ""
            return bool(api_key) and hmac.compare_digest(given.encode(), api_key.encode())

        @app.post("/v1/services/aigc/multimodal-generation/generation")
        async def generation(request: Request):
            # DashScope shape, as qwen-code 0.24.4 sends it (image-generation-service.ts): model,
            # input.messages[].content[] parts {text} / {image}, parameters {n, size "W*H", ...}.
            if not authorized(request):
                return error(401, "missing or wrong Authorization: Bearer key", "InvalidApiKey")
            try:
                body = await request.json()
                messages = ((body.get("input") or {}).get("messages")) or []
                parts = [p for m in messages if isinstance(m, dict) for p in (m.get("content") or []) if isinstance(p, dict)]
                parameters = body.get("parameters") or {}
                if str(parameters.get("n", 1)) != "1":
                    raise BadRequest("parameters.n: this endpoint makes 1 image per request")
                edit = {
                    "prompt": "\n".join(p["text"] for p in parts if isinstance(p.get("text"), str)),
                    "images": [p["image"] for p in parts if "image" in p],
                    "size": parameters.get("size"),
                }
                for key in ("seed", "steps"):
                    if key in parameters:
                        edit[key] = parameters[key]
                parsed = parse_edit_request(edit, require_image=False)
            except BadRequest as exc:
                return error(400, str(exc))
            except (ValueError, AttributeError, TypeError):
                return error(400, "body: must be a JSON object in the DashScope multimodal-generation shape")
            record = await wait((await blocking(submit, parsed))["id"])
            if record["status"] == "failed":
                return error(500, f"generation failed: {record.get('error')}", "InternalError")
            if record["status"] != "succeeded":
                return error(504, f"still running after {wait_limit} s as job {record['id']}; ask for fewer steps", "Timeout")
            base = str(request.base_url).rstrip("/")
            if not insecure_urls:
                base = "https://" + base.split("://", 1)[1]
            url = f"{base}/v1/files/{record['id']}/{record['token']}.png"
            return {
                "output": {"choices": [{"finish_reason": "stop", "message": {"role": "assistant", "content": [{"image": url}]}}]},
                "usage": {"image_count": 1},
                "request_id": record["id"],
            }

        @app.get("/v1/files/{job_id}/{token}.png")
        def file(job_id: str, token: str):
            # A capability URL (qwen-code downloads it with no credentials); valid until the job expires.
            record = store.get(job_id)
            if record is None or record["status"] != "succeeded" or not hmac.compare_digest(token.encode(), record["token"].encode()):
                return error(404, "no such file", "NotFound")
            return Response(store.read_result(job_id), media_type="image/png")

    return app
