"""Check `vllm serve` argv with the real vLLM package, the way `vllm serve` itself reads it.

Usage: python vllm_check.py REQUEST.json        (run with the vLLM venv's python; see docs/vllm-check.md)
       python vllm_check.py --flags-ts        (prints infra/config/vllm-serve-flags.ts from vLLM's parser)

Imports nothing of Modal. REQUEST.json:
  {"devices": {"H200": {"capability": [9, 0], "name": "NVIDIA H200", "memory_bytes": 150754820096, "count": 1}},
   "cases": [{"id": "coder/image/cache", "device": "H200", "shim": "/abs/coder.py"},   # argv read from the shim
             {"id": "x", "device": "H200", "argv": ["MODEL", "--flag", ...]},          # or given directly
             {"id": "y", "device": "H200", "shim": "...", "model_dir": "/tmp/cfg",     # + engine config
              "fields": ["port"]}]}                         # parsed values to report even when default
vLLM runs on a simulated CUDA device (vLLM's own CUDA platform class with the device queries answered
from "devices"; nothing touches a GPU). With "model_dir" (a folder with the model's config.json) the
case also builds vLLM's engine config for that model and reports the attention backend vLLM selects.

The steps follow vLLM 0.33.0's own code path for `vllm serve MODEL ARGS...` (file:line in the installed
package, also listed under "sources" in the output):
  1. parser: FlexibleArgumentParser + add_subparsers + ServeSubcommand.subparser_init (make_arg_parser),
     as vllm/entrypoints/cli/main.py:88-108 builds it; parse_args(["serve", MODEL, *ARGS]) (main.py:110);
  2. ServeSubcommand.validate -> validate_parsed_serve_args (cli/serve.py:158-159, common/cli_args.py:531);
  3. args.model = args.model_tag (cli/serve.py:56-57);
  4. setup_server's init_parser_plugin + validate_api_server_args: tool-call and reasoning parser
     registries (launchers/launcher.py:369-370, common/cli_args.py:605-632);
  5. AsyncEngineArgs.from_cli_args (launchers/api_server/entry.py:52, engine/arg_utils.py:1972);
  6. (simulated device only) engine_args.create_engine_config (api_server/entry.py:82,
     engine/arg_utils.py:2245), then the attention backend selection (v1/attention/selector.py:109,
     platforms/cuda.py:377-520) for the model's full-attention layers.
Prints one JSON object: {"vllm_version", "torch_cuda", "sources", "cases": {id: report}}. Exit 0 when
every case passed, 1 otherwise, 2 on a bad request.
"""

import argparse
import ast
import contextlib
import dataclasses
import enum
import importlib.metadata
import inspect
import io
import json
import logging
import os
import sys
import traceback

os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
os.environ.setdefault("VLLM_NO_USAGE_STATS", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def source_of(obj) -> str:
    """`path/inside/site-packages:line` of a function or class, for the report."""
    obj = inspect.unwrap(obj)
    file = inspect.getsourcefile(obj) or "?"
    _, line = inspect.getsourcelines(obj)
    marker = os.sep + "site-packages" + os.sep
    return f"{file.split(marker, 1)[-1]}:{line}"


def shim_argv(path: str) -> list:
    """The argv after `vllm serve` in a rendered shim: `subprocess.Popen(["vllm", "serve", MODEL, *VLLM_ARGS])`,
    with every name resolved to its top-level literal assignment."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            with contextlib.suppress(ValueError, SyntaxError):
                constants[node.targets[0].id] = ast.literal_eval(node.value)

    def resolve(expr):
        if isinstance(expr, ast.Name):
            if expr.id not in constants:
                raise ValueError(f"{path}: {expr.id} is not a top-level literal")
            return [constants[expr.id]]
        if isinstance(expr, ast.Starred):
            return list(resolve(expr.value)[0])
        return [ast.literal_eval(expr)]

    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "subprocess.Popen"
            and node.args
            and isinstance(node.args[0], ast.List)
        ):
            argv = [v for e in node.args[0].elts for v in resolve(e)]
            if argv[:2] == ["vllm", "serve"]:
                found.append(argv[2:])
    if len(found) != 1:
        raise ValueError(f"{path}: expected one subprocess.Popen([\"vllm\", \"serve\", ...]) call, found {len(found)}")
    return found[0]


def jsonable(value):
    """A JSON-friendly copy of a parsed value (enums by value, dataclasses and configs as dicts)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        with contextlib.suppress(Exception):
            return jsonable(value.model_dump())
    return repr(value)


def simulated_cuda_platform():
    """vLLM's CUDA platform on a simulated device: NonNvmlCudaPlatform (vllm/platforms/cuda.py:1007) with
    the device queries answered from the request instead of torch.cuda, which has no device here.
    Importing vllm.platforms.cuda loads vLLM's CUDA extensions, which need libcuda.so.1 (the stub)."""
    from vllm.platforms.cuda import NonNvmlCudaPlatform
    from vllm.platforms.interface import DeviceCapability

    class SimulatedCudaPlatform(NonNvmlCudaPlatform):
        device = {"capability": [9, 0], "name": "simulated", "memory_bytes": 0, "count": 1}

        @classmethod
        def get_device_capability(cls, device_id: int = 0) -> DeviceCapability:
            major, minor = cls.device["capability"]
            return DeviceCapability(major=major, minor=minor)

        @classmethod
        def get_device_name(cls, device_id: int = 0) -> str:
            return cls.device["name"]

        @classmethod
        def get_device_total_memory(cls, device_id: int = 0) -> int:
            return cls.device["memory_bytes"]

        @classmethod
        def is_fully_connected(cls, physical_device_ids) -> bool:
            return True

        @classmethod
        def device_count(cls) -> int:
            return cls.device["count"]

    return SimulatedCudaPlatform()


STAND_IN_TOKENS = ["<unk>", "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>",
                   "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<|vision_start|>",
                   "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]


def ensure_stand_in_tokenizer(model_dir: str) -> None:
    """A tokenizer stand-in (Hugging Face is unreachable): a word-level `tokenizers` tokenizer whose
    vocabulary holds the Qwen3 chat, thinking and tool-call special tokens, which vLLM's qwen3 reasoning
    parser and qwen3_coder tool parser look up (vllm/reasoning/qwen3_reasoning_parser.py). Token ids
    differ from Qwen's; nothing here generates text."""
    path = os.path.join(model_dir, "tokenizer.json")
    if os.path.exists(path):
        return
    from tokenizers import Tokenizer, models, pre_tokenizers

    tokenizer = Tokenizer(models.WordLevel({t: i for i, t in enumerate(STAND_IN_TOKENS)}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.add_special_tokens(STAND_IN_TOKENS[1:])
    tokenizer.save(path)
    with open(os.path.join(model_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|im_end|>", "unk_token": "<unk>",
                   "chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}"}, f)


class Checker:
    """vLLM's parser, built once on a simulated CUDA platform, and the steps `vllm serve` runs on it."""

    def __init__(self):
        import vllm.platforms

        # Before anything imports `current_platform` by value (vllm/platforms/__init__.py:299-316).
        self.platform = simulated_cuda_platform()
        vllm.platforms._current_platform = self.platform

        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.entrypoints.cli.serve import ServeSubcommand
        from vllm.entrypoints.common import cli_args
        from vllm.utils.argparse_utils import FlexibleArgumentParser

        self.AsyncEngineArgs = AsyncEngineArgs
        self.cli_args = cli_args
        self.serve = ServeSubcommand()
        # As vllm/entrypoints/cli/main.py builds it (only the serve subcommand is needed).
        self.parser = FlexibleArgumentParser(description="vLLM CLI")
        subparsers = self.parser.add_subparsers(required=False, dest="subparser")
        self.serve_parser = self.serve.subparser_init(subparsers)
        self.serve_parser.set_defaults(dispatch_function=self.serve.cmd)
        self.defaults = self._namespace(["serve", "MODEL"])

    def flags(self) -> dict:
        """Every option string of `vllm serve`, with the parsed field (dest) it sets and whether it takes
        a value: what infra/config/vllm-serve-flags.json must hold (EnableDisableAction adds the
        --disable-/--enable- inverses, vllm/utils/argparse_utils.py:120)."""
        table = {}
        for action in self.serve_parser._actions:
            for option in action.option_strings:
                if option in ("-h", "--help"):
                    continue
                table[option] = {"dest": action.dest, "value": action.nargs != 0}
        return dict(sorted(table.items()))

    def use_device(self, device: dict) -> None:
        type(self.platform).device = device

    def sources(self) -> dict:
        from vllm.entrypoints.cli import main as cli_main
        from vllm.entrypoints.launchers import launcher
        from vllm.platforms.cuda import CudaPlatformBase
        from vllm.v1.attention import selector

        return {
            "vllm serve parser (FlexibleArgumentParser + subparsers)": source_of(cli_main.main),
            "FlexibleArgumentParser.parse_args (underscores, =, dotted keys, -O)": source_of(
                type(self.parser).parse_args
            ),
            "make_arg_parser": source_of(self.cli_args.make_arg_parser),
            "ServeSubcommand.validate": source_of(self.serve.validate),
            "validate_parsed_serve_args": source_of(self.cli_args.validate_parsed_serve_args),
            "setup_server (parser plugins + registries)": source_of(launcher.setup_server),
            "validate_api_server_args (tool/reasoning parser registries)": source_of(
                self.cli_args.validate_api_server_args
            ),
            "AsyncEngineArgs.from_cli_args": source_of(self.AsyncEngineArgs.from_cli_args),
            "EngineArgs.create_engine_config": source_of(self.AsyncEngineArgs.create_engine_config),
            "get_attn_backend": source_of(selector.get_attn_backend),
            "CudaPlatformBase.get_valid_backends": source_of(CudaPlatformBase.get_valid_backends),
        }

    def _namespace(self, argv: list) -> argparse.Namespace:
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err):
                return self.parser.parse_args(argv)
        except SystemExit as exit_:
            lines = [l for l in err.getvalue().strip().splitlines() if l.strip()]
            message = lines[-1] if lines else f"argparse exited with {exit_.code}"
            raise CheckFailure("parse", message.split(": error: ", 1)[-1]) from None

    def check(self, argv: list, model_dir, fields=()) -> tuple:
        """Runs steps 1-5 (step 5 only with `model_dir`: vLLM reads the model's config.json there, since
        the weights' folder or Hub repo is not reachable here). Returns (engine_args or None, values
        that differ from `vllm serve MODEL`'s)."""
        if not argv or argv[0].startswith("-"):
            raise CheckFailure("parse", "the argv must start with the model, as `vllm serve MODEL ...`")
        args = self._namespace(["serve", *argv])
        stage = "validate_parsed_serve_args"
        try:
            self.serve.validate(args)
            if getattr(args, "model_tag", None) is not None:
                args.model = args.model_tag
            stage = "validate_api_server_args"
            self.cli_args.init_parser_plugin(args)
            self.cli_args.validate_api_server_args(args)
            stage = "AsyncEngineArgs.from_cli_args"
            engine_args = None
            if model_dir:
                args.model = model_dir
                engine_args = self.AsyncEngineArgs.from_cli_args(args)
        except Exception as e:  # vLLM raises TypeError/ValueError/KeyError for bad values
            raise CheckFailure(stage, f"{type(e).__name__}: {e}") from None
        changed = {}
        for key, value in sorted(vars(args).items()):
            if key in ("dispatch_function", "model", "model_tag"):
                continue
            if key in fields or getattr(self.defaults, key, object()) != value:
                changed[key] = jsonable(value)
        return engine_args, changed

    def engine_report(self, engine_args) -> dict:
        """Step 6: vLLM's engine config for a local config.json of the model, on the simulated device,
        and the attention backend vLLM selects for the model's full-attention layers."""
        import torch
        from vllm.config import set_current_vllm_config
        from vllm.v1.attention.selector import AttentionSelectorConfig, get_attn_backend

        ensure_stand_in_tokenizer(engine_args.model)
        try:
            vllm_config = engine_args.create_engine_config()
        except Exception as e:
            raise CheckFailure("create_engine_config", f"{type(e).__name__}: {e}") from None
        model = vllm_config.model_config
        cache = vllm_config.cache_config
        text = model.hf_text_config
        head_size = model.get_head_size()
        num_heads = model.get_num_attention_heads(vllm_config.parallel_config)
        report = {
            "max_model_len": model.max_model_len,
            "dtype": str(model.dtype).removeprefix("torch."),
            "quantization": model.quantization,
            "kv_cache_dtype": cache.cache_dtype,
            "head_size": head_size,
            "architecture": model.architectures[0] if model.architectures else None,
            "is_hybrid": bool(getattr(model, "is_hybrid", False)),
            "enforce_eager": model.enforce_eager,
            "cudagraph_mode": jsonable(vllm_config.compilation_config.cudagraph_mode),
        }
        selector = AttentionSelectorConfig(
            head_size=head_size, dtype=model.dtype, kv_cache_dtype=cache.cache_dtype, block_size=None
        )
        valid, invalid = type(self.platform).get_valid_backends(
            device_capability=self.platform.get_device_capability(),
            attn_selector_config=selector,
            num_heads=num_heads,
        )
        report["backends_valid"] = [c.backend.name for c in sorted(valid, key=lambda c: c.priority)]
        report["backends_rejected"] = {b.name: reasons for b, (_, reasons) in invalid.items()}
        try:
            with set_current_vllm_config(vllm_config):
                backend = get_attn_backend(head_size, model.dtype, cache.cache_dtype, num_heads=num_heads)
            report["attention_backend"] = backend.get_name()
            report["fp8_kv_supported"] = cache.cache_dtype.startswith("fp8")
        except ValueError as e:
            report["attention_backend"] = None
            report["attention_error"] = str(e)
            report["fp8_kv_supported"] = False if cache.cache_dtype.startswith("fp8") else None
        del text, torch
        return report


class CheckFailure(Exception):
    def __init__(self, stage: str, message: str):
        super().__init__(message)
        self.stage = stage
        self.message = message


def flags_module(version: str, flags: dict) -> str:
    """infra/config/vllm-serve-flags.ts, generated: `python vllm_check.py --flags-ts > infra/config/vllm-serve-flags.ts`."""
    lines = [
        "/**",
        f" * Every option string of `vllm serve` in vLLM {version}, with the parsed field (`dest`) it sets and whether",
        " * it takes a value. GENERATED from the real parser (infra/check/vllm_check.py, `dump_flags`; tests/vllm",
        " * fails when it differs): do not edit by hand.",
        " * @module",
        " */",
        "",
        "/** The vLLM version this table was read from. */",
        f'export const VLLM_SERVE_FLAGS_VERSION = "{version}";',
        "",
        "/** Option string -> `{ dest, value }` (value: the option takes an argument). */",
        "export const VLLM_SERVE_FLAGS: Readonly<Record<string, { dest: string; value: boolean }>> = {",
    ]
    for option, v in flags.items():
        value = "true" if v["value"] else "false"
        lines.append(f"  {json.dumps(option)}: {{ dest: {json.dumps(v['dest'])}, value: {value} }},")
    lines.append("};")
    return "\n".join(lines) + "\n"


def main() -> int:
    if sys.argv[1:] == ["--flags-ts"]:
        logging.disable(logging.WARNING)
        print(flags_module(importlib.metadata.version("vllm"), Checker().flags()), end="")
        return 0
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    request = json.load(open(sys.argv[1], encoding="utf-8"))
    logging.disable(logging.WARNING)
    checker = Checker()
    import torch

    out = {
        "vllm_version": importlib.metadata.version("vllm"),
        "torch_version": importlib.metadata.version("torch"),
        "torch_cuda": torch.version.cuda,
        "sources": checker.sources(),
        "cases": {},
    }
    if request.get("dump_flags"):
        out["flags_module"] = flags_module(out["vllm_version"], checker.flags())
    ok = True
    for case in request.get("cases", []):
        report = {}
        try:
            argv = shim_argv(case["shim"]) if "shim" in case else list(case["argv"])
            report["argv"] = argv
            checker.use_device(request["devices"][case["device"]])
            engine_args, changed = checker.check(argv, case.get("model_dir"), case.get("fields", ()))
            report["parsed"] = changed
            if engine_args is None:
                report["engine"] = "not built: no local config.json for the model (model_dir)"
            else:
                report["engine"] = checker.engine_report(engine_args)
            report["ok"] = True
        except CheckFailure as f:
            report.update(ok=False, stage=f.stage, error=f.message)
        except Exception as e:
            report.update(ok=False, stage="checker", error=f"{type(e).__name__}: {e}", trace=traceback.format_exc()[-2000:])
        ok = ok and report["ok"]
        out["cases"][case["id"]] = report
    print(json.dumps(out, indent=1, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
