"""Writes one key of a named modal.Dict with the modal SDK: the modal CLI cannot (modal 1.6.4
`modal dict` has list, create, clear, delete, get and items, and no put: modal/cli/dict.py:24-164).

Usage: python modal_dict.py < {"name": ..., "environment": ... | null, "key": ..., "value": ... | null}
A null value removes the key. Credentials come from the environment as for the modal CLI
(MODAL_TOKEN_ID / MODAL_TOKEN_SECRET / the profile). Prints {"ok": true}; an error exits 1 with
`Error: <message>` as the last line of stderr, as the modal CLI does.
"""

import json
import sys


def main() -> int:
    request = json.load(sys.stdin)
    import modal

    try:
        # modal/dict.py:377 (from_name), 556 (put), 583 (pop with a default: no KeyError when absent).
        d = modal.Dict.from_name(request["name"], environment_name=request.get("environment"), create_if_missing=True)
        if request.get("value") is None:
            d.pop(request["key"], None)
        else:
            d.put(request["key"], request["value"])
    except Exception as err:  # noqa: BLE001 - reported as the CLI reports errors
        print(f"Error: {err}", file=sys.stderr)
        return 1
    print(json.dumps({"ok": True}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
