"""Check rendered shims with the real `modal` SDK, offline and without credentials.

Usage: python modal_check.py SHIM.py [SHIM.py ...]
Prints one JSON object: {"modal_version": ..., "shims": {path: report}}. Each report holds
what Modal itself registered when it imported the shim (functions, GPUs, web server port,
startup timeout, proxy auth) and, read from the shim's AST, the deploy-time options Modal
only sends to its servers at `modal deploy` (timeout, scaledown_window, max_containers,
max_inputs). A shim that fails to import gets {"error": "..."}. Exit code 0 when every shim
imported, 1 otherwise.
"""

import ast
import importlib.util
import json
import sys
import warnings

import modal
from modal._utils.async_utils import synchronizer

DEPLOY_TIME_FUNCTION_KWARGS = ("timeout", "scaledown_window", "max_containers")


def literal_kwargs(call: ast.Call, names) -> dict:
    """Keyword arguments of a decorator call whose values are literals."""
    found = {}
    for kw in call.keywords:
        if kw.arg in names:
            try:
                found[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                found[kw.arg] = {"non_literal": ast.unparse(kw.value)}
    return found


def decorator_name(node: ast.expr) -> str:
    return ast.unparse(node.func if isinstance(node, ast.Call) else node)


def ast_report(source: str) -> dict:
    """Deploy-time options per decorated function, from the source."""
    report = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        options = {}
        for dec in node.decorator_list:
            if not isinstance(dec, ast.Call):
                continue
            name = decorator_name(dec)
            if name == "app.function":
                options.update(literal_kwargs(dec, DEPLOY_TIME_FUNCTION_KWARGS))
            elif name == "modal.concurrent":
                options.update(literal_kwargs(dec, ("max_inputs", "target_inputs")))
            elif name == "modal.web_server":
                options["web_server_decorated"] = True
        if options:
            report[node.name] = options
    return report


def modal_report(path: str) -> dict:
    """Import the shim with the real modal SDK and read what Modal registered."""
    spec = importlib.util.spec_from_file_location("shim_under_check", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    apps = [v for v in vars(module).values() if isinstance(v, modal.App)]
    if len(apps) != 1:
        raise RuntimeError(f"expected exactly one modal.App in the shim, found {len(apps)}")
    app = apps[0]
    with warnings.catch_warnings():
        # Deprecated in 1.6 (removed in 1.7); the pinned SDK still has it and it needs no network.
        warnings.simplefilter("ignore")
        functions = app.registered_functions
    out = {}
    for tag, wrapped in functions.items():
        # The public modal.Function wraps the SDK's _Function, which holds the local config.
        fn = synchronizer._translate_in(wrapped)
        webhook = fn._webhook_config
        gpus = fn._spec_.gpus
        out[tag] = {
            "gpus": gpus if isinstance(gpus, list) or gpus is None else [gpus],
            "is_web_endpoint": fn._is_web_endpoint(),
            "web_server": None
            if webhook is None
            else {
                "port": webhook.web_server_port,
                "startup_timeout": webhook.web_server_startup_timeout,
                "requires_proxy_auth": webhook.requires_proxy_auth,
                "label": webhook.requested_suffix or None,
            },
            "volumes": sorted(str(p) for p in fn._spec_.volumes),
            "secrets": len(fn._spec_.secrets),
        }
    return {"app_name": app.name, "functions": out}


def check(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        source = f.read()
    try:
        report = modal_report(path)
    except Exception as exc:  # report, don't crash: the caller shows the error per shim
        return {"error": f"{type(exc).__name__}: {exc}"}
    report["deploy_time"] = ast_report(source)
    return report


def main(paths) -> int:
    reports = {p: check(p) for p in paths}
    print(json.dumps({"modal_version": modal.__version__, "shims": reports}, sort_keys=True))
    return 0 if all("error" not in r for r in reports.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
