#!/usr/bin/env python3
"""Writes the large inputs BENCHMARKS.md times `shubctl validate` on (duplicate-key and
catalog checking): a policy folder whose one mapping has N keys, and a catalog of N controls.

    python3 tools/gen_large_inputs.py keys N DIR          # DIR/policy.yaml, N keys, the last repeating the first
    python3 tools/gen_large_inputs.py catalog N FILE [dup] # N controls; with `dup`, every control listed twice
"""

import json
import sys


def keys(n, folder):
    import os

    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "policy.yaml"), "w") as f:
        f.write("account: '111111111111'\nregions: { home: us-east-1 }\nhub: { enabled: true }\n")
        f.write("insights:\n")
        f.write("  big:\n")
        f.write("    filters:\n")
        for i in range(n):
            f.write(f"      k{i}: x\n")
        # One duplicate, last: the whole mapping is checked before it is found.
        f.write("      k0: x\n")


def catalog(n, path, dup):
    with open("data/catalog.json") as f:
        base = json.load(f)
    std = base["standards"][0]["id"]
    controls = [{"id": f"Gen.{i}", "title": f"Generated {i}", "standards": [std]} for i in range(n)]
    if dup:
        controls = controls + controls
    base["controls"] = controls
    with open(path, "w") as f:
        json.dump(base, f, indent=2)


if __name__ == "__main__":
    what, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if what == "keys":
        keys(n, out)
    else:
        catalog(n, out, len(sys.argv) > 4 and sys.argv[4] == "dup")
