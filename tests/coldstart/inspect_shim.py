"""Import a cold-start sample shim with the real modal SDK (offline, no credentials) and print, as
JSON, what Modal registered plus the literal options read from the shim's source.

Usage: python inspect_shim.py SHIM.py
Output: {"app_name", "functions": {tag: {gpus, volumes, web_server}}, "classes": {name: {enter_snap,
enter_restore, exit, web_servers: {method: {port, requires_proxy_auth}}}}, "decorator_options":
{enable_memory_snapshot, experimental_options}, "vllm_args": [...], "image_env": {...}} or
{"error": "..."} with exit code 1 when the import fails.
"""

import ast
import importlib.util
import json
import sys
import warnings

import modal
from modal._partial_function import _find_partial_methods_for_user_cls, _PartialFunctionFlags
from modal._utils.async_utils import synchronizer


def registered(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # registered_* are deprecated in 1.6, still offline
        return app.registered_functions, app.registered_classes


def web_server(config):
    if config is None or not config.web_server_port:
        return None
    return {"port": config.web_server_port, "requires_proxy_auth": config.requires_proxy_auth}


def class_report(cls):
    user_cls = synchronizer._translate_in(cls)._get_user_cls()
    names = lambda flag: sorted(_find_partial_methods_for_user_cls(user_cls, flag))
    methods = _find_partial_methods_for_user_cls(user_cls, _PartialFunctionFlags.WEB_INTERFACE)
    return {
        "enter_snap": names(_PartialFunctionFlags.ENTER_PRE_SNAPSHOT),
        "enter_restore": names(_PartialFunctionFlags.ENTER_POST_SNAPSHOT),
        "exit": names(_PartialFunctionFlags.EXIT),
        "web_servers": {n: web_server(pf.params.webhook_config) for n, pf in methods.items()},
    }


def source_report(source):
    """Literal options of @app.function/@app.cls, VLLM_ARGS, and the image's .env(...) values."""
    tree = ast.parse(source)
    options, vllm_args, env = {}, [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ("app.function", "app.cls"):
            for kw in node.keywords:
                if kw.arg in ("enable_memory_snapshot", "experimental_options"):
                    options[kw.arg] = ast.literal_eval(kw.value)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "VLLM_ARGS" for t in node.targets):
            vllm_args = [e.value if isinstance(e, ast.Constant) else ast.unparse(e) for e in node.value.elts]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "env":
            env.update(ast.literal_eval(node.args[0]))
    return {"decorator_options": options, "vllm_args": vllm_args, "image_env": env}


def main(path):
    spec = importlib.util.spec_from_file_location("coldstart_shim", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    functions, classes = registered(module.app)
    report = {"app_name": module.app.name, "modal_version": modal.__version__, "functions": {}, "classes": {}}
    for tag, wrapped in functions.items():
        fn = synchronizer._translate_in(wrapped)
        report["functions"][tag] = {
            "gpus": fn._spec_.gpus if isinstance(fn._spec_.gpus, list) else [fn._spec_.gpus],
            "volumes": sorted(str(p) for p in fn._spec_.volumes),
            "web_server": web_server(fn._webhook_config),
        }
    report["classes"] = {name: class_report(cls) for name, cls in classes.items()}
    with open(path, encoding="utf-8") as f:
        report.update(source_report(f.read()))
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
