"""What the real modal CLI (the project's pinned SDK, 1.6.4) prints for given server data.

Two uses, one request on stdin as JSON:

- `{"command": [...argv], "data": {...}}` runs modal's own entry point (`modal.__main__.main`,
  so errors print as the real CLI prints them: `format_error_message`, a `Did you mean:` hint,
  a bare `SystemExit` message) with only the server layer replaced: the gRPC stub, the Workspace
  billing call and the client construction answer from `data`. Everything the CLI does with that
  data (messages, hints, columns, JSON keys, timestamp formats, --json printing) is modal's code.
  Commands served: `app list`, `app stop`, `app history`, `app rollback`, `function info`,
  `function autoscaler settings` / `update`, `server info`, `billing report`, `billing rates`.
- `{"deploy": {...}}` renders what `modal deploy` prints after creating the objects, with modal's
  own output classes: the object tree of `RichOutputManager.display_object_tree` (runner.py:154),
  a mount row finished as `_Mount._load` finishes it (mount.py:716), one
  `FunctionCreationStatus` per function, class service function or Server (_functions.py:993,
  _output/status.py:49-93) given the FunctionCreateResponse a server would send, then
  `step_completed` / `print` as `runner._deploy_app` ends (runner.py:699-705). A deploy here
  builds no image (nothing to build), so no image-build lines appear.

The modal CLI stand-in (tests/stand-ins/modal-cli/modal) renders its output through this file,
and tests/stand-ins/modal-cli-stand-in.test.ts compares both.

`data` keys (all optional):
  apps: [{name, env, app_id, state: "deployed"|"stopped", tasks?, created_at?: ISO, stopped_at?: ISO, stopped_by?}]
  functions: [{app, env, tag, function_id, app_id, kind: "function"|"class"|"server",
               web_url?, methods?: {name: url}, requires_proxy_auth?: bool}]
  billing: [rows as Workspace.billing.report returns them]; history: [{version, deployed_at, tag}]
  rates: {key: decimal string} (Workspace.billing.rates); workspace: name in URLs (default stand-in-ws)
  autoscaler: {AutoscalerSettings fields}
Usage: TZ=UTC python modal_cli_real_output.py < request.json; exit code as the CLI's.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import modal.__main__ as modal_main
import modal.cli.app as app_cli
import modal.cli.billing as billing_cli
import modal.cli.dict as dict_cli
import modal.cli.function as function_cli
import modal.cli.server as server_cli
from modal._output.status import FunctionCreationStatus
from modal.cli._suggest import close_matches
from modal.exception import NotFoundError
from modal.mount import _Mount
from modal.output import OutputManager, enable_output
from modal.types import BillingReportItem
from modal_proto import api_pb2


def ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).replace(tzinfo=timezone.utc).timestamp()


def _function_data(f: dict) -> api_pb2.FunctionData:
    """The FunctionData the server would hold for a deployed function, class service function or Server."""
    auth = f.get("requires_proxy_auth", True)
    data = api_pb2.FunctionData(
        function_name=f["tag"],
        ranked_functions=[api_pb2.FunctionData.RankedFunction(function=api_pb2.Function(function_name=f["tag"]))],
    )
    if f["kind"] == "function":
        data.web_url = f.get("web_url", "")
        data.webhook_config.CopyFrom(api_pb2.WebhookConfig(type=api_pb2.WEBHOOK_TYPE_WEB_SERVER, requires_proxy_auth=auth))
    elif f["kind"] == "class":
        data.is_class = True
        data.method_definitions_set = True
        for name, url in f.get("methods", {}).items():
            data.method_definitions[name].CopyFrom(
                api_pb2.MethodDefinition(
                    function_name=name,
                    web_url=url,
                    webhook_config=api_pb2.WebhookConfig(type=api_pb2.WEBHOOK_TYPE_WEB_SERVER, requires_proxy_auth=auth),
                )
            )
    else:
        data.is_server = True
        if f.get("web_url"):
            data.flash_service_urls.append(f["web_url"])
        data.http_config.CopyFrom(api_pb2.HTTPConfig(port=8000, unauthenticated=not auth))
    return data


def install_fakes(data: dict) -> None:
    async def report(*, start, end=None, resolution="d", tag_names=None):
        return [
            BillingReportItem(
                object_id=r["object_id"],
                description=r["description"],
                environment_name=r["environment_name"],
                interval_start=datetime.fromisoformat(r["interval_start"]).replace(tzinfo=timezone.utc),
                cost=Decimal(r["cost"]),
                cost_by_resource={k: Decimal(v) for k, v in r.get("cost_by_resource", {}).items()},
                tags=r.get("tags", {}),
            )
            for r in data.get("billing", [])
            if start <= datetime.fromisoformat(r["interval_start"]).replace(tzinfo=timezone.utc) < end
        ]

    async def rates():
        return {k: Decimal(v) for k, v in data.get("rates", {}).items()}

    workspace = SimpleNamespace(billing=SimpleNamespace(report=report, rates=rates))
    billing_cli._Workspace = SimpleNamespace(from_context=lambda: workspace)

    apps = data.get("apps", [])
    functions = data.get("functions", [])
    default_env = "main"

    def latest_app(name: str, env: str) -> dict | None:
        rows = [a for a in apps if a["name"] == name and a["env"] == env]
        return rows[-1] if rows else None

    async def app_get_by_deployment_name(request, **_):
        env = request.environment_name or default_env
        app = latest_app(request.name, env)
        if app is None:
            return api_pb2.AppGetByDeploymentNameResponse(environment_name=env)
        if app["state"] == "deployed":
            lifecycle = api_pb2.AppLifecycle(app_state=api_pb2.APP_STATE_DEPLOYED)
            return api_pb2.AppGetByDeploymentNameResponse(app_id=app["app_id"], environment_name=env, lifecycle=lifecycle)
        lifecycle = api_pb2.AppLifecycle(
            app_state=api_pb2.APP_STATE_STOPPED,
            stopped_at=ts(app["stopped_at"]) if app.get("stopped_at") else 0,
            stopped_by=app.get("stopped_by", ""),
        )
        return api_pb2.AppGetByDeploymentNameResponse(previous_app_id=app["app_id"], environment_name=env, lifecycle=lifecycle)

    async def object_suggest(request, **_):
        # The server's ranking is not in the SDK: the stand-in's own choice is the client's own
        # close_matches (cli/_suggest.py) over the names of that kind in that environment.
        env = request.environment_name or default_env
        if request.kind == api_pb2.ObjectSuggestRequest.OBJECT_SUGGEST_KIND_APP:
            names = [a["name"] for a in apps if a["env"] == env and a["state"] == "deployed"]
            found = close_matches(request.query, names, n=request.limit or 3)
            return api_pb2.ObjectSuggestResponse(suggestions=[api_pb2.ObjectSuggestion(object_name=n) for n in found])
        server = request.kind == api_pb2.ObjectSuggestRequest.OBJECT_SUGGEST_KIND_SERVER
        refs = [f"{f['app']}/{f['tag']}" for f in functions if f["env"] == env and (f["kind"] == "server") == server]
        found = close_matches(request.query, refs, n=request.limit or 3)
        return api_pb2.ObjectSuggestResponse(
            suggestions=[api_pb2.ObjectSuggestion(app_name=r.split("/", 1)[0], object_name=r.split("/", 1)[1]) for r in found]
        )

    def find_function(app_name: str, tag: str, env: str) -> dict | None:
        app = latest_app(app_name, env)
        if app is None or app["state"] != "deployed":
            return None
        rows = [f for f in functions if f["app"] == app_name and f["env"] == env and f["tag"] == tag]
        return rows[-1] if rows else None

    async def function_get(request, **_):
        env = request.environment_name or default_env
        f = find_function(request.app_name, request.object_tag, env)
        if f is None:
            # The server's NotFoundError text is not in the SDK source: the stand-in's own.
            raise NotFoundError(f"Function '{request.app_name}/{request.object_tag}' not found in the '{env}' environment.")
        metadata = api_pb2.FunctionHandleMetadata(
            function_name=f["tag"], app_id=f["app_id"], web_url=f.get("web_url", "") if f["kind"] == "function" else ""
        )
        return api_pb2.FunctionGetResponse(function_id=f["function_id"], handle_metadata=metadata, function=_function_data(f))

    async def function_get_by_id(request, **_):
        f = next((f for f in functions if f["function_id"] == request.function_id), None)
        if f is None:
            raise NotFoundError(f"Function '{request.function_id}' not found.")
        return api_pb2.FunctionGetByIdResponse(function=_function_data(f))

    async def app_list(request, **_):
        env = request.environment_name or default_env
        return api_pb2.AppListResponse(
            apps=[
                api_pb2.AppListResponse.AppListItem(
                    app_id=a["app_id"],
                    description=a["name"],
                    name=a["name"],
                    state=api_pb2.APP_STATE_DEPLOYED if a["state"] == "deployed" else api_pb2.APP_STATE_STOPPED,
                    n_running_tasks=a.get("tasks", 0),
                    created_at=ts(a["created_at"]) if a.get("created_at") else 0,
                    stopped_at=ts(a["stopped_at"]) if a.get("stopped_at") else 0,
                )
                for a in apps
                if a["env"] == env
            ]
        )

    async def app_stop(request, **_):
        return api_pb2.AppStopResponse() if hasattr(api_pb2, "AppStopResponse") else None

    async def app_rollback(request, **_):
        app = next(a for a in apps if a["app_id"] == request.app_id)
        url = f"https://modal.com/apps/{data.get('workspace', 'stand-in-ws')}/{app['env']}/deployed/{app['name']}"
        return api_pb2.AppRollbackResponse(url=url)

    async def update_scheduling_params(request, **_):
        return api_pb2.FunctionUpdateSchedulingParamsResponse(current_settings=request.settings)

    async def task_list(request, **_):
        return api_pb2.TaskListResponse()

    async def deployment_history(request, **_):
        return api_pb2.AppDeploymentHistoryResponse(
            app_deployment_histories=[
                api_pb2.AppDeploymentHistory(
                    version=v["version"],
                    deployed_at=ts(v["deployed_at"]),
                    client_version="1.6.4",
                    deployed_by="stand-in",
                    tag=v.get("tag", ""),
                )
                for v in data.get("history", [])
            ]
        )

    async def scheduling_params(request, **_):
        settings = api_pb2.AutoscalerSettings(**data.get("autoscaler", {}))
        return api_pb2.FunctionGetSchedulingParamsResponse(
            autoscaler_configuration=api_pb2.AutoscalerConfiguration(settings=settings)
        )

    stub = SimpleNamespace(
        AppGetByDeploymentName=app_get_by_deployment_name,
        AppList=app_list,
        ObjectSuggest=object_suggest,
        AppStop=app_stop,
        AppRollback=app_rollback,
        FunctionUpdateSchedulingParams=update_scheduling_params,
        TaskList=task_list,
        AppDeploymentHistory=deployment_history,
        FunctionGet=function_get,
        FunctionGetById=function_get_by_id,
        FunctionGetSchedulingParams=scheduling_params,
    )
    client = SimpleNamespace(_stub=stub)

    async def from_env():
        return client

    for module in (app_cli, function_cli, server_cli):
        module._Client = SimpleNamespace(from_env=from_env)

    # Named Dicts (`modal dict items`, cli/dict.py:114-164): `_Dict.from_name(...).items()` yields the
    # stand-in's entries; a Dict never written is the server's NotFoundError (its text: stand-in's own).
    dicts = data.get("dicts", {})

    class StandInDict:
        def __init__(self, name: str, env: str | None):
            self.name, self.env = name, env or os.environ.get("MODAL_ENVIRONMENT") or "main"

        async def items(self):
            contents = dicts.get(f"{self.env}/{self.name}")
            if contents is None:
                raise NotFoundError(f"Dict '{self.name}' not found in environment '{self.env}'")
            for key, value in contents.items():
                yield key, value

    dict_cli._Dict = SimpleNamespace(from_name=lambda name, environment_name=None, **_: StandInDict(name, environment_name))


def _creation_response(obj: dict) -> api_pb2.FunctionCreateResponse:
    """The FunctionCreateResponse a server sends for one created object (the fields status.py reads)."""
    auth = obj.get("requires_proxy_auth", True)
    resp = api_pb2.FunctionCreateResponse()
    if obj["kind"] == "function" and obj.get("web_url"):
        resp.handle_metadata.web_url = obj["web_url"]
        resp.function.webhook_config.CopyFrom(api_pb2.WebhookConfig(type=api_pb2.WEBHOOK_TYPE_WEB_SERVER, requires_proxy_auth=auth))
    elif obj["kind"] == "class":
        resp.function.is_class = True
        resp.function.method_definitions_set = True
        for name, url in obj.get("methods", {}).items():
            resp.function.method_definitions[name].CopyFrom(
                api_pb2.MethodDefinition(
                    function_name=name,
                    web_url=url,
                    webhook_config=api_pb2.WebhookConfig(type=api_pb2.WEBHOOK_TYPE_WEB_SERVER, requires_proxy_auth=auth),
                )
            )
    elif obj["kind"] == "server":
        resp.function.is_server = True
        resp.function.http_config.CopyFrom(api_pb2.HTTPConfig(unauthenticated=not auth))
        if obj.get("web_url"):
            resp.function.flash_service_urls.append(obj["web_url"])
    return resp


def render_deploy(d: dict) -> int:
    """Prints a finished `modal deploy` of the objects in `d` with modal's output classes."""
    output_mgr = OutputManager.get()
    with output_mgr.display_object_tree():
        mount = _Mount._from_local_file(d["file"], remote_path=f"/root/{d['file'].rsplit('/', 1)[-1]}")
        mount_row = output_mgr.add_status_row()
        mount_row.finish(f"Uploaded {_Mount._description(mount._entries)}")
        for obj in d["objects"]:
            tag = f"{obj['tag']}.*" if obj["kind"] == "class" else obj["tag"]
            with FunctionCreationStatus("Server" if obj["kind"] == "server" else "Function", tag) as status:
                status.set_response(_creation_response(obj))
    if d.get("skipped"):
        output_mgr.step_completed("Deployment skipped: no changes detected! ⏭️")
    else:
        output_mgr.step_completed(f"App deployed in {d['seconds']:.3f}s! 🎉")
    app_url = d["app_url"]
    output_mgr.print(f"\nView Deployment: [magenta][link={app_url}]{app_url}[/link][/magenta]")
    return 0


def main() -> int:
    request = json.load(sys.stdin)
    if "deploy" in request:
        with enable_output():
            return render_deploy(request["deploy"])
    install_fakes(request.get("data", {}))
    sys.argv = ["modal", *request["command"]]
    try:
        modal_main.main()
    except SystemExit as exc:
        if isinstance(exc.code, str):
            # What the interpreter does with SystemExit(str) (cli/app.py stop: "App is already stopped."):
            # the message on stderr, exit 1.
            print(exc.code, file=sys.stderr)
            return 1
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
