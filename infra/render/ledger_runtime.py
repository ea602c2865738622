# ---- GPU-seconds ledger (infra/render/ledger_runtime.py, inlined by the renderer) ----
# Each GPU container records its start, a heartbeat every LEDGER_HEARTBEAT_SECONDS and (when it
# exits normally) its end in the controller's modal.Dict (LEDGER_DICT, rendered above). A container
# killed without running its exit hook is still charged up to its last heartbeat
# (control_runtime.py `ledger_seconds`). Writes are best effort: a failed write never stops serving.
import atexit as _atexit
import threading as _threading
import time as _time
import uuid as _uuid

LEDGER_HEARTBEAT_SECONDS = 60


def ledger_start(store=None, clock=_time.time, stop_event=None):
    """Records this container's start and keeps its heartbeat until the process exits.
    `store` is the Dict (default: modal.Dict.from_name(LEDGER_DICT, create_if_missing=True),
    modal/dict.py:377); the tests pass a fake. Returns the ledger key."""
    if store is None:
        store = modal.Dict.from_name(LEDGER_DICT, create_if_missing=True)
    key = f"ledger:{APP_NAME}:{_uuid.uuid4().hex[:16]}"
    entry = {"app": APP_NAME, "task": key.rsplit(":", 1)[1], "start": clock(), "heartbeat": clock(), "end": None}

    def write():
        try:
            store.put(key, dict(entry))
        except Exception as err:  # noqa: BLE001 - the ledger must never take the server down
            print(f"ledger: {err}", flush=True)

    stop = stop_event or _threading.Event()

    def beat():
        while not stop.wait(LEDGER_HEARTBEAT_SECONDS):
            entry["heartbeat"] = clock()
            write()

    def end():
        entry["heartbeat"] = entry["end"] = clock()
        write()

    write()
    _threading.Thread(target=beat, name="qcm-ledger", daemon=True).start()
    _atexit.register(end)
    return key, end
