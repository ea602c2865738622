"""Check rendered shims with the real `modal` SDK, offline and without credentials.

Usage: python modal_check.py SHIM.py [SHIM.py ...]
Prints one JSON object: {"modal_version": ..., "shims": {path: report}}. A report holds what
Modal itself registered when it imported the shim, per server (a function, or a class for the
memory-snapshot mode, or a Modal Server): GPUs, volumes, secrets, web servers (port, startup timeout,
proxy auth, label), a Server's HTTP config and lifecycle methods. From the shim's AST it adds the deploy-time options Modal only
sends to its servers at `modal deploy` (timeout, scaledown_window, max_containers, max_inputs,
target_concurrency, max_concurrency, enable_memory_snapshot, experimental_options). A shim that fails to import gets {"error": "..."}.
Exit code 0 when every shim imported, 1 otherwise.

Two tiers. The public modal API gives: the shim imports (the decorators validate their arguments),
exactly one `modal.App` and its name, and the module's `modal.Function` / `modal.Cls` objects (the
servers). The details (GPUs, volumes, secrets, web server options, lifecycle methods) only private
internals expose (`synchronizer._translate_in`, `_spec_`, `_webhook_config`,
`App.registered_functions`, which modal 1.6.4 says 1.7.0 removes). Pin and warn: the check knows
the SDK pinned in python-shims/requirements.txt; with a newer SDK it says so in "warnings", and when
the private internals are gone it reports the public tier only (a warning, not a failure), so a
modal upgrade cannot break `plan` or `pulumi up`. The rendered shim's own options are checked by
the renderer tests on its AST either way.
"""

import ast
import importlib.util
import json
import re
import sys
import warnings
from pathlib import Path

import modal

REQUIREMENTS = Path(__file__).resolve().parents[2] / "python-shims" / "requirements.txt"


def known_modal_version() -> str:
    """The modal version this check was written against: the pin in python-shims/requirements.txt."""
    match = re.search(r"^modal==([0-9][^\s]*)$", REQUIREMENTS.read_text(encoding="utf-8"), re.M)
    if not match:
        raise RuntimeError(f"no modal==X pin in {REQUIREMENTS}")
    return match.group(1)


def version_tuple(version: str) -> tuple:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])

DEPLOY_TIME_KWARGS = (
    "timeout",
    "target_concurrency",
    "max_concurrency",
    "scaledown_window",
    "max_containers",
    "enable_memory_snapshot",
    "experimental_options",
    "schedule",
)


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


def ast_report(source: str) -> dict:
    """Deploy-time options per decorated function or class, from the source."""
    report = {}
    for node in ast.parse(source).body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        options = {}
        for dec in node.decorator_list:
            if not isinstance(dec, ast.Call):
                continue
            name = ast.unparse(dec.func)
            if name in ("app.function", "app.cls", "app.server"):
                options.update(literal_kwargs(dec, DEPLOY_TIME_KWARGS))
            elif name == "modal.concurrent":
                options.update(literal_kwargs(dec, ("max_inputs", "target_inputs")))
        if options:
            report[node.name] = options
    return report


def web_server(config):
    from modal_proto import api_pb2

    if config is None:
        return None
    if config.type == api_pb2.WEBHOOK_TYPE_ASGI_APP:
        # An ASGI app (image-edit shims): no port of its own, Modal calls the app in-process.
        return {"asgi": True, "requires_proxy_auth": config.requires_proxy_auth, "label": config.requested_suffix or None}
    if not config.web_server_port:
        return None
    return {
        "port": config.web_server_port,
        "startup_timeout": config.web_server_startup_timeout,
        "requires_proxy_auth": config.requires_proxy_auth,
        "label": config.requested_suffix or None,
    }


def resources(fn) -> dict:
    gpus = fn._spec_.gpus
    return {
        "gpus": gpus if isinstance(gpus, list) or gpus is None else [gpus],
        "volumes": sorted(str(p) for p in fn._spec_.volumes),
        "secrets": len(fn._spec_.secrets),
    }


def class_server(cls) -> dict:
    from modal._partial_function import _find_partial_methods_for_user_cls, _PartialFunctionFlags
    from modal._utils.async_utils import synchronizer

    raw = synchronizer._translate_in(cls)
    user_cls = raw._get_user_cls()

    def methods(flag):
        return sorted(_find_partial_methods_for_user_cls(user_cls, flag))

    web = _find_partial_methods_for_user_cls(user_cls, _PartialFunctionFlags.WEB_INTERFACE)
    return {
        "kind": "class",
        **resources(raw._class_service_function),
        "methods": methods(_PartialFunctionFlags.CALLABLE_INTERFACE),
        "web_servers": {name: web_server(pf.params.webhook_config) for name, pf in sorted(web.items())},
        "lifecycle": {
            "enter_snap": methods(_PartialFunctionFlags.ENTER_PRE_SNAPSHOT),
            "enter_restore": methods(_PartialFunctionFlags.ENTER_POST_SNAPSHOT),
            "exit": methods(_PartialFunctionFlags.EXIT),
        },
    }


def server_report(server) -> dict:
    """A Modal Server (`@app.server`, app.py:1394): its service function's resources and HTTP config
    (`FunctionInfo._inner_server_info`, _functions.py:1285-1296) and its lifecycle methods."""
    from modal._partial_function import _find_partial_methods_for_user_cls, _PartialFunctionFlags
    from modal._utils.async_utils import synchronizer

    raw = synchronizer._translate_in(server)
    fn = raw._get_service_function()
    http = fn._function_info._inner_server_info
    user_cls = raw._get_user_cls()

    def methods(flag):
        return sorted(_find_partial_methods_for_user_cls(user_cls, flag))

    return {
        "kind": "server",
        **resources(fn),
        "class": user_cls.__name__,
        "name": fn._tag,
        "http": {
            "port": http.port,
            "startup_timeout": http.startup_timeout,
            "unauthenticated": http.unauthenticated,
            "routing_region": http.routing_region,
            "sessioned": http.sessioned,
        },
        "lifecycle": {
            "enter_snap": methods(_PartialFunctionFlags.ENTER_PRE_SNAPSHOT),
            "enter_restore": methods(_PartialFunctionFlags.ENTER_POST_SNAPSHOT),
            "exit": methods(_PartialFunctionFlags.EXIT),
        },
    }


def public_report(module) -> dict:
    """What the public API shows: the one App's name and the servers (module-level Functions and Clses)."""
    apps = [v for v in vars(module).values() if isinstance(v, modal.App)]
    if len(apps) != 1:
        raise RuntimeError(f"expected exactly one modal.App in the shim, found {len(apps)}")
    servers = {}
    for name, value in vars(module).items():
        if isinstance(value, modal.Function):
            servers[name] = {"kind": "function"}
        elif isinstance(value, modal.Cls):
            servers[name] = {"kind": "class"}
        elif isinstance(value, modal.Server):
            servers[name] = {"kind": "server"}
    return {"app_name": apps[0].name, "servers": servers}


def private_report(module) -> dict:
    """The details Modal registered, through private internals (see the module comment)."""
    from modal._utils.async_utils import synchronizer

    app = next(v for v in vars(module).values() if isinstance(v, modal.App))
    with warnings.catch_warnings():
        # Deprecated in 1.6 (removed in 1.7); the pinned SDK still has them and they need no network.
        warnings.simplefilter("ignore")
        functions = app.registered_functions
        classes = app.registered_classes
    servers = {name: class_server(cls) for name, cls in classes.items()}
    # A Server registers only its service function (app.py:1613), tagged with its name; the module
    # holds the modal.Server, reported under the class name the shim gives it.
    server_tags = {}
    for value in vars(module).values():
        if isinstance(value, modal.Server):
            report = server_report(value)
            servers[report["class"]] = report
            server_tags[synchronizer._translate_in(value)._get_service_function()._tag] = report["class"]
    for tag, wrapped in functions.items():
        if tag.endswith(".*") or tag in server_tags:  # a class's or a Server's service function: reported with it
            continue
        # The public modal.Function wraps the SDK's _Function, which holds the local config.
        fn = synchronizer._translate_in(wrapped)
        webhook = web_server(fn._webhook_config)
        servers[tag] = {"kind": "function", **resources(fn), "web_servers": {tag: webhook} if webhook else {}}
    return servers


def check(path: str, notes: list) -> dict:
    with open(path, encoding="utf-8") as f:
        source = f.read()
    try:
        spec = importlib.util.spec_from_file_location("shim_under_check", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        report = public_report(module)
    except Exception as exc:  # report, don't crash: the caller shows the error per shim
        return {"error": f"{type(exc).__name__}: {exc}"}
    try:
        report["servers"] = private_report(module)
    except (AttributeError, ImportError, TypeError, KeyError) as exc:
        notes.append(
            f"modal {modal.__version__}: the private internals the detailed check reads are gone ({type(exc).__name__}: {exc}); "
            "only import, app name and servers were checked with the SDK"
        )
    report["deploy_time"] = ast_report(source)
    return report


def main(paths) -> int:
    known = known_modal_version()
    notes = []
    if version_tuple(modal.__version__) > version_tuple(known):
        notes.append(
            f"the installed modal SDK {modal.__version__} is newer than {known}, the version the shim check knows "
            "(python-shims/requirements.txt); run scripts/dev to install the pinned one"
        )
    reports = {p: check(p, notes) for p in paths}
    output = {"modal_version": modal.__version__, "known_modal_version": known, "shims": reports, "warnings": sorted(set(notes))}
    print(json.dumps(output, sort_keys=True))
    return 0 if all("error" not in r for r in reports.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
