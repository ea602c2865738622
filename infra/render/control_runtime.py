# ---- controller runtime (infra/render/control_runtime.py, inlined by the renderer) ----
# Runs inside the qcm-control app's scheduled function on Modal and, unchanged, in the project's
# tests against an in-process fake of the few modal APIs it uses (tests/control). It reads the
# constants rendered above it: DICT_NAME, GPU_APPS, BUDGET, ALERT_WEBHOOK_ENV. Nothing here imports modal: the
# Modal calls are the `ModalApi` class at the end, which the shim's scheduled function builds.
#
# What the Dict holds (all values plain JSON: `modal dict items NAME --json` prints them as JSON,
# modal/cli/dict.py:114-164 and cli/utils.py:191-194):
#   ledger:<app>:<task>  {"app", "task", "start", "heartbeat", "end"}  (epoch seconds; end null while up)
#   warm:<app>           {"app", "function", "min_containers", "until", "id"}  (written by `warm`)
#   budget:<YYYY-MM>:<usd> {"fired": [50, 80, 100], "action": "warn"|"cool"|"stop"|null}  (a raised budget starts afresh)
#   stopped:<app>        {"app", "reason": "budget", "month", "at", "spent_usd", "budget_usd"}

import datetime as _dt

ALERT_THRESHOLDS = (50, 80, 100)


def month_key(now: float) -> str:
    """`YYYY-MM` of a UTC epoch time."""
    return _dt.datetime.fromtimestamp(now, _dt.timezone.utc).strftime("%Y-%m")


def month_start(now: float) -> float:
    """Epoch seconds of the first instant of the UTC month of `now`."""
    d = _dt.datetime.fromtimestamp(now, _dt.timezone.utc)
    return _dt.datetime(d.year, d.month, 1, tzinfo=_dt.timezone.utc).timestamp()


def ledger_seconds(entry: dict, since: float, now: float) -> float:
    """GPU-container seconds of one ledger entry inside [since, now]: from its start to its end, or,
    for a container that never wrote an end (killed without its exit hook, or still up), to its
    last heartbeat."""
    start = float(entry["start"])
    stop = entry.get("end")
    stop = float(stop) if stop is not None else float(entry.get("heartbeat") or start)
    return max(0.0, min(stop, now) - max(start, since))


def ledger_spend(items: dict, apps: dict, now: float) -> dict:
    """Month-to-date USD per app from the ledger entries in `items` (the Dict's contents), at each
    app's `usd_per_second` (apps: GPU_APPS). Entries of apps not listed are priced at 0 and kept
    apart under the key None."""
    since = month_start(now)
    spend = {app: 0.0 for app in apps}
    for key, entry in items.items():
        if not str(key).startswith("ledger:"):
            continue
        app = entry.get("app") if entry.get("app") in apps else None
        rate = apps[app]["usd_per_second"] if app else 0.0
        spend[app] = spend.get(app, 0.0) + rate * ledger_seconds(entry, since, now)
    return spend


def control_tick(api, now: float) -> dict:
    """One run of the controller: end warm periods that are over, then hold this month's ledger
    spend against the budget. Idempotent: a second run at the same time changes nothing and calls
    nothing. Returns what it did, for its log."""
    items = dict(api.items())
    done = {"cooled": [], "alerts": [], "action": None, "spent_usd": None}
    for key, period in items.items():
        if str(key).startswith("warm:") and float(period["until"]) <= now:
            try:
                api.set_min_containers(period["function"], 0)
            except Exception as err:  # the app is gone or stopped: nothing stays warm
                api.log(f"cool {period['function']}: {err}")
            api.pop(key)
            done["cooled"].append(period["app"])
    if not BUDGET:
        return done
    spent = sum(v for k, v in ledger_spend(items, GPU_APPS, now).items() if k is not None)
    done["spent_usd"] = spent
    limit = float(BUDGET["usd_per_month"])
    month = month_key(now)
    budget_key = f"budget:{month}:{limit:g}"
    state = dict(items.get(budget_key) or {"fired": [], "action": None})
    percent = 100.0 * spent / limit
    new = [t for t in ALERT_THRESHOLDS if percent >= t and t not in state["fired"]]
    for t in new:
        text = f"qwen-code-modal budget: ${spent:.2f} of ${limit:.2f} this month ({percent:.0f}%, crossed {t}%)"
        done["alerts"].append(t)
        if BUDGET.get("webhook"):
            api.alert(text)
        api.log(text)
    state["fired"] = sorted(set(state["fired"]) | set(new))
    if percent >= 100 and state["action"] is None:
        action = BUDGET.get("action", "warn")
        if action in ("cool", "stop"):
            for key, period in items.items():
                if str(key).startswith("warm:"):
                    api.pop(key)
            for app, facts in GPU_APPS.items():
                try:
                    api.set_min_containers(f"{app}/{facts['function']}", 0)
                except Exception as err:
                    api.log(f"cool {app}: {err}")
        if action == "stop":
            for app in GPU_APPS:
                try:
                    api.stop_app(app)
                except Exception as err:
                    api.log(f"stop {app}: {err}")
                    continue
                api.put(f"stopped:{app}", {"app": app, "reason": "budget", "month": month, "at": now, "spent_usd": spent, "budget_usd": limit})
        state["action"] = action
        done["action"] = action
    if new or done["action"]:
        api.put(budget_key, state)
    return done


class ModalApi:
    """The Modal calls `control_tick` makes, with the container's own client (modal/client.py:350-370: inside
    a container the client is a CLIENT_TYPE_CONTAINER one; MODAL_TOKEN_* are ignored there).
    - Dict: `modal.Dict.from_name(...).items()/put()/pop()` (modal/dict.py:377, 556, 639);
    - autoscaler: `modal.Function.from_name(APP, TAG).autoscaler.update(min_containers=0)`
      (modal/_functions.py:2655-2720, what `modal function autoscaler update` calls, cli/function.py);
    - app stop: `modal.App.lookup(APP).stop()` (modal/app.py:417, 1724-1743: AppStopRequest,
      "terminates all of its running containers ... and prevents new inputs from being processed").
    """

    def __init__(self, modal, environment):
        self.modal = modal
        self.environment = environment
        self.dict = modal.Dict.from_name(DICT_NAME, environment_name=environment, create_if_missing=True)

    def items(self):
        return list(self.dict.items())

    def put(self, key, value):
        self.dict.put(key, value)

    def pop(self, key):
        self.dict.pop(key, None)

    def set_min_containers(self, function_ref, n):
        app, tag = function_ref.split("/", 1)
        self.modal.Function.from_name(app, tag, environment_name=self.environment).autoscaler.update(min_containers=n)

    def stop_app(self, app):
        self.modal.App.lookup(app, environment_name=self.environment).stop()

    def alert(self, text):
        import os
        import urllib.request

        url = os.environ.get(ALERT_WEBHOOK_ENV)
        if not url:
            return
        # ntfy takes the text as the body; Slack-compatible hooks take {"text": ...}.
        slack = "hooks.slack.com" in url
        body = (_json_text(text) if slack else text).encode()
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Content-Type", "application/json" if slack else "text/plain")
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except OSError as err:
            self.log(f"alert webhook: {err}")

    def log(self, text):
        print(text, flush=True)


def _json_text(text):
    import json

    return json.dumps({"text": text})
