#!/usr/bin/env python3
"""Turns an exporter config.json mapping into one jq program that builds the same entities,
each field taking its first output as the exporter does (`first(expr)`)."""
import json
import sys

config = json.load(open(sys.argv[1]))
res = next(r for r in config["resources"] if r["kind"] == "AWS::ECR::Repository")
m = res["port"]["entity"]["mappings"][0]


def field(expr):
    return f"first({expr})"


parts = [f"identifier: {field(m['identifier'])}"]
if "title" in m:
    parts.append(f"title: {field(m['title'])}")
parts.append(f"blueprint: {json.dumps(m['blueprint'].strip(chr(34)))}")
for key in ("icon", "team"):
    if key in m:
        parts.append(f"{key}: {field(m[key])}")
props = ", ".join(f"{json.dumps(k)}: {field(v)}" for k, v in m.get("properties", {}).items())
parts.append(f"properties: {{{props}}}")
if m.get("relations"):
    rels = ", ".join(f"{json.dumps(k)}: {field(v)}" for k, v in m["relations"].items())
    parts.append(f"relations: {{{rels}}}")
print(".[] | {" + ", ".join(parts) + "}")
