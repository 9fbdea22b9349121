"""The jq 1.8 reference for the parity tests: Ocean's way of running a mapping.

Ocean evaluates each field with the `jq` Python package (1.12.0 in its lock file, which
bundles jq 1.8.1): `jq.compile(expr).input_value(data).first()`, where `data` is the
Python value of the entity. This reads one request per line on stdin,
{"expr": "...", "input": <json>}, and answers one line each: {"v": first output},
{"n": true} when there is none, or {"e": "message"} when compiling or running fails.
"""

import json
import sys

import jq


def answer(request):
    try:
        program = jq.compile(request["expr"])
    except Exception as e:  # the package raises ValueError; anything else is an error too
        return {"e": "compile: " + str(e)}
    try:
        return {"v": program.input_value(request["input"]).first()}
    except StopIteration:
        return {"n": True}
    except Exception as e:
        return {"e": str(e)}


def main():
    for line in sys.stdin:
        reply = answer(json.loads(line))
        sys.stdout.write(json.dumps(reply, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
