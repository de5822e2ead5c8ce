#!/usr/bin/env python3
"""Seed corpus for the fuzz targets, from the golden vectors.

Each vector's input becomes a seed of the target that decodes it: requests
are decoded with the client format ("from"), answers and streams with the
upstream format ("from" as well).
"""
import json
import os
import sys

NAMES = {"openai": "openai", "openai-response": "responses", "claude": "claude",
         "gemini": "gemini", "gemini-cli": "gemini-cli"}

vectors, out = sys.argv[1], sys.argv[2]
count = 0
for root, _, files in os.walk(vectors):
    for name in sorted(files):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(root, name)) as f:
            case = json.load(f)
        fmt = NAMES.get(case.get("from"))
        kind = case.get("kind")
        if fmt is None or kind not in ("request", "response", "stream"):
            continue
        data = case["input"] if kind == "stream" else json.dumps(case["input"])
        target = os.path.join(out, f"{kind}-{fmt}")
        os.makedirs(target, exist_ok=True)
        with open(os.path.join(target, name[:-5]), "w") as f:
            f.write(data)
        count += 1
print(f"{count} seeds", file=sys.stderr)
