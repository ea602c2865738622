"""What the real modal CLI (the project's pinned SDK) prints for given server data.

Runs the real click commands of `modal` (modal/cli/billing.py `report`, cli/app.py `history`,
cli/function.py `autoscaler settings`) with only the server layer replaced: the gRPC stub, the
Workspace billing call and the name resolution return the data given on stdin. Everything the
CLI does with that data (columns, JSON keys, timestamp formats, sorting, --json printing) is
modal's own code. The stand-in tests compare the modal CLI stand-in's output with this.

Usage: TZ=UTC python modal_cli_real_output.py < {"command": [...argv], "data": {...}}
Prints the CLI's stdout; exit code as the CLI's.
"""

import json
import sys
from datetime import datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import modal.cli.app as app_cli
import modal.cli.billing as billing_cli
import modal.cli.function as function_cli
from modal.cli.entry_point import entrypoint_cli
from modal.output import enable_output
from modal.types import BillingReportItem
from modal_proto import api_pb2


def ts(iso: str) -> float:
    return datetime.fromisoformat(iso).replace(tzinfo=timezone.utc).timestamp()


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

    workspace = SimpleNamespace(billing=SimpleNamespace(report=report))
    billing_cli._Workspace = SimpleNamespace(from_context=lambda: workspace)

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

    stub = SimpleNamespace(AppDeploymentHistory=deployment_history, FunctionGetSchedulingParams=scheduling_params)
    client = SimpleNamespace(_stub=stub)

    async def from_env():
        return client

    async def resolve_app(identifier, env, client=None):
        return "ap-" + "x" * 22, "main", None

    async def resolve_function(client, identifier, environment_name, **_):
        return "fu-1", None, None

    app_cli._Client = SimpleNamespace(from_env=from_env)
    app_cli.resolve_app_identifier = resolve_app
    function_cli._Client = SimpleNamespace(from_env=from_env)
    function_cli._resolve_function_id = resolve_function


def main() -> int:
    request = json.load(sys.stdin)
    install_fakes(request["data"])
    with enable_output():
        try:
            entrypoint_cli(request["command"], standalone_mode=False)
        except SystemExit as exc:
            return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
