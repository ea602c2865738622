"""Runs the rendered controller shim's logic against an in-process fake of the modal APIs it uses
(a Dict, the autoscaler, app stop, the alert webhook), with time moved forward by hand.

Usage: python controller_scenarios.py CONTROL_SHIM.py GPU_SHIM.py
       python controller_scenarios.py CONTROL_SHIM.py --tick NOW < {Dict contents}
The second form runs one controller run at epoch second NOW on the given Dict contents (as `warm`
wrote them) and prints the calls it made and the Dict after it.
Both shims are imported with the real modal SDK (as `modal deploy` would import them); only the
Modal calls are replaced, by FakeApi / FakeDict below. Prints one JSON object with what each
scenario observed; tests/control/controller.test.ts asserts on it.
"""

import importlib.util
import json
import sys
import threading
import time

HOUR = 3600.0
# 2026-12-01T00:00:00Z: the start of a month, so month-to-date is easy to read.
T0 = 1796083200.0


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeApi:
    """The calls control_tick makes (ModalApi's methods), recorded."""

    def __init__(self, store=None, mins=None, missing=()):
        self.store = dict(store or {})
        self.mins = dict(mins or {})
        self.missing = set(missing)
        self.stopped = []
        self.alerts = []
        self.calls = []
        self.logs = []

    def items(self):
        return list(self.store.items())

    def put(self, key, value):
        self.calls.append(["put", key])
        self.store[key] = json.loads(json.dumps(value))

    def pop(self, key):
        self.calls.append(["pop", key])
        self.store.pop(key, None)

    def set_min_containers(self, function_ref, n):
        self.calls.append(["autoscaler", function_ref, n])
        if function_ref.split("/")[0] in self.missing:
            raise RuntimeError(f"Function '{function_ref}' not found")
        self.mins[function_ref] = n

    def stop_app(self, app):
        self.calls.append(["stop", app])
        self.stopped.append(app)

    def alert(self, text):
        self.alerts.append(text)

    def log(self, text):
        self.logs.append(text)


def ledger(app, task, start, heartbeat, end=None):
    return (f"ledger:{app}:{task}", {"app": app, "task": task, "start": start, "heartbeat": heartbeat, "end": end})


def warm_period_ends_on_modal(control):
    """`warm --for 3h` wrote the period; no local timer exists; the controller's runs end it."""
    api = FakeApi(
        store={"warm:qcm-coder": {"app": "qcm-coder", "function": "qcm-coder/serve", "min_containers": 1, "until": T0 + 3 * HOUR, "id": "w1"}},
        mins={"qcm-coder/serve": 1},
    )
    runs = []
    for minutes in (0, 60, 178, 180, 182, 184):
        now = T0 + minutes * 60
        before = len(api.calls)
        done = control.control_tick(api, now)
        runs.append({"minutes": minutes, "cooled": done["cooled"], "calls": api.calls[before:], "min": api.mins["qcm-coder/serve"]})
    return {"runs": runs, "warmKeyLeft": "warm:qcm-coder" in api.store}


def gone_app_period(control):
    """A period of an app that no longer exists is dropped, the rest still handled."""
    api = FakeApi(
        store={
            "warm:qcm-gone": {"app": "qcm-gone", "function": "qcm-gone/serve", "min_containers": 1, "until": T0, "id": "g"},
            "warm:qcm-coder": {"app": "qcm-coder", "function": "qcm-coder/serve", "min_containers": 1, "until": T0, "id": "c"},
        },
        missing={"qcm-gone"},
    )
    done = control.control_tick(api, T0 + 60)
    return {"cooled": sorted(done["cooled"]), "left": sorted(k for k in api.store if k.startswith("warm:")), "logs": api.logs}


def budget_crossing(control, action):
    """Spend climbs past 50, 80 and 100 % of the budget over several runs."""
    rate = control.GPU_APPS["qcm-coder"]["usd_per_second"]
    control.BUDGET = {"usd_per_month": 10.0, "action": action, "webhook": True}
    # One container up from T0, heartbeating; its spend at time t is rate * (t - T0).
    seconds_for = lambda usd: usd / rate  # noqa: E731
    api = FakeApi(
        store={"warm:qcm-vlm": {"app": "qcm-vlm", "function": "qcm-vlm/serve", "min_containers": 1, "until": T0 + 48 * HOUR, "id": "v"}},
        mins={"qcm-coder/serve": 1, "qcm-vlm/serve": 1},
    )
    runs = []
    for usd in (2.0, 5.5, 6.0, 8.5, 10.5, 10.5, 12.0):
        now = T0 + seconds_for(usd)
        key, entry = ledger("qcm-coder", "t1", T0, now)
        api.store[key] = entry
        before = len(api.calls)
        alerts_before = len(api.alerts)
        done = control.control_tick(api, now)
        runs.append({
            "usd": usd,
            "spent": round(done["spent_usd"], 6),
            "alerts": done["alerts"],
            "alertTexts": api.alerts[alerts_before:],
            "action": done["action"],
            "calls": [c for c in api.calls[before:] if c[0] != "put" or not c[1].startswith("ledger:")],
        })
    return {
        "runs": runs,
        "stopped": api.stopped,
        "mins": api.mins,
        "stoppedRecords": {k: v for k, v in api.store.items() if k.startswith("stopped:")},
        "budgetState": api.store.get("budget:2026-12:10"),
        "warmLeft": sorted(k for k in api.store if k.startswith("warm:")),
    }


def second_run_idempotent(control):
    """Two runs at the same instant: the second calls nothing and writes nothing."""
    control.BUDGET = {"usd_per_month": 1.0, "action": "stop", "webhook": False}
    k, e = ledger("qcm-coder", "t", T0, T0 + 2 * HOUR)
    api = FakeApi(store={k: e, "warm:qcm-coder": {"app": "qcm-coder", "function": "qcm-coder/serve", "min_containers": 1, "until": T0 + HOUR, "id": "i"}})
    first = control.control_tick(api, T0 + 2 * HOUR)
    calls_first = list(api.calls)
    snapshot = json.dumps(api.store, sort_keys=True)
    second = control.control_tick(api, T0 + 2 * HOUR)
    return {
        "first": {"cooled": first["cooled"], "action": first["action"], "alerts": first["alerts"], "calls": len(calls_first)},
        "second": {"cooled": second["cooled"], "action": second["action"], "alerts": second["alerts"]},
        "callsInSecond": api.calls[len(calls_first):],
        "storeUnchanged": snapshot == json.dumps(api.store, sort_keys=True),
    }


def killed_container_charged_to_heartbeat(control, gpu):
    """A GPU shim's ledger hook writes start and heartbeats; the container dies without its exit
    hook (no end); the ledger charges it up to its last heartbeat, not up to now."""
    store = {}

    class Store:
        def put(self, key, value):
            store[key] = dict(value)

    clock = {"t": T0 + 10 * HOUR}
    gpu.LEDGER_HEARTBEAT_SECONDS = 0.01
    stop = threading.Event()
    key, _end = gpu.ledger_start(store=Store(), clock=lambda: clock["t"], stop_event=stop)
    start_entry = dict(store[key])
    # Time moves on 30 minutes; the heartbeat thread records it.
    clock["t"] += 30 * 60
    deadline = time.time() + 5
    while store[key]["heartbeat"] != clock["t"] and time.time() < deadline:
        time.sleep(0.01)
    # The container is killed: heartbeats stop, the exit hook never runs.
    stop.set()
    time.sleep(0.05)
    entry = dict(store[key])
    later = clock["t"] + 5 * HOUR
    apps = {gpu.APP_NAME: {"function": "serve", "usd_per_second": 0.001}}
    spend = control.ledger_spend({key: entry}, apps, later)
    # A container that did run its exit hook, for comparison.
    store2 = {}

    class Store2:
        def put(self, key, value):
            store2[key] = dict(value)

    stop2 = threading.Event()
    key2, end2 = gpu.ledger_start(store=Store2(), clock=lambda: clock["t"], stop_event=stop2)
    clock["t"] += 600
    end2()
    stop2.set()
    return {
        "key": key,
        "start": start_entry,
        "entry": entry,
        "chargedSeconds": control.ledger_seconds(entry, control.month_start(later), later),
        "spendUsd": spend[gpu.APP_NAME],
        "ended": store2[key2],
        "endedSeconds": control.ledger_seconds(store2[key2], control.month_start(clock["t"] + HOUR), clock["t"] + HOUR),
    }


def one_tick(control, now):
    api = FakeApi(store=json.load(sys.stdin))
    done = control.control_tick(api, now)
    return {"done": done, "calls": api.calls, "store": api.store}


PRICING_ENTRIES = dict([
    ledger("qcm-coder", "ended", T0 + HOUR, T0 + 3 * HOUR, T0 + 3 * HOUR),
    ledger("qcm-coder", "killed", T0 + 5 * HOUR, T0 + 5.5 * HOUR),
    # Started last month, ended this month: only this month's part counts.
    ledger("qcm-vlm", "across", T0 - 2 * HOUR, T0 + HOUR, T0 + HOUR),
    ledger("qcm-vlm", "up", T0 + 9 * HOUR, T0 + 9.9 * HOUR),
    ledger("qcm-other", "foreign", T0, T0 + HOUR, T0 + HOUR),
])


def pricing(control):
    """The controller's month-to-date prices of fixed entries (the CLI prices the same ones)."""
    now = T0 + 10 * HOUR
    spend = control.ledger_spend(PRICING_ENTRIES, control.GPU_APPS, now)
    return {"now": now, "entries": PRICING_ENTRIES, "spend": {str(k): v for k, v in spend.items()}}


def raised_budget(control):
    """After a stop at $10, the budget is raised to $20: the controller starts afresh (no stop at $12)."""
    control.BUDGET = {"usd_per_month": 10.0, "action": "stop", "webhook": False}
    rate = control.GPU_APPS["qcm-coder"]["usd_per_second"]
    k, e = ledger("qcm-coder", "t", T0, T0 + 11 / rate)
    api = FakeApi(store={k: e})
    first = control.control_tick(api, T0 + 11 / rate)
    control.BUDGET = {"usd_per_month": 20.0, "action": "stop", "webhook": False}
    k, e = ledger("qcm-coder", "t", T0, T0 + 12 / rate)
    api.store[k] = e
    before = len(api.stopped)
    second = control.control_tick(api, T0 + 12 / rate)
    return {"first": first["action"], "second": second["action"], "secondAlerts": second["alerts"], "stoppedAgain": len(api.stopped) - before}


def main():
    control = load(sys.argv[1], "qcm_control_shim")
    if sys.argv[2] == "--tick":
        print(json.dumps(one_tick(control, float(sys.argv[3]))))
        return
    gpu = load(sys.argv[2], "qcm_gpu_shim")
    budget = control.BUDGET
    out = {
        "warm": warm_period_ends_on_modal(control),
        "gone": gone_app_period(control),
        "killed": killed_container_charged_to_heartbeat(control, gpu),
    }
    for action in ("warn", "cool", "stop"):
        out[f"budget_{action}"] = budget_crossing(control, action)
    out["idempotent"] = second_run_idempotent(control)
    out["raised"] = raised_budget(control)
    out["pricing"] = pricing(control)
    control.BUDGET = budget
    print(json.dumps(out))


if __name__ == "__main__":
    main()
