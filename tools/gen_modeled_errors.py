#!/usr/bin/env python3
"""Regenerates tests/emulator/data/modeled-errors.json: for each AWS service the emulator
serves, each operation's error codes as the AWS SDK for Rust models them (the codes its
deserialiser turns into the operation's own error variants; any other code is `Unhandled`).

Reads the aws-sdk-* crates the emulator's tests build against, found with `cargo metadata`
(run from the repository root; the crates must be in cargo's registry: `cargo fetch`). The
emulator checks every error it answers against this file (tests/emulator/src/modeled.rs).

    python3 tools/gen_modeled_errors.py
"""

import json
import os
import re
import subprocess
import sys

# SDK crate -> the SigV4 signing name the emulator records calls under.
CRATES = {
    "aws-sdk-securityhub": "securityhub",
    "aws-sdk-guardduty": "guardduty",
    "aws-sdk-inspector2": "inspector2",
    "aws-sdk-macie2": "macie2",
    "aws-sdk-accessanalyzer": "access-analyzer",
    "aws-sdk-organizations": "organizations",
    "aws-sdk-sts": "sts",
    "aws-sdk-config": "config",
    "aws-sdk-account": "account",
    "aws-sdk-eventbridge": "events",
    "aws-sdk-lambda": "lambda",
}

# `"CodeOnTheWire" => crate::operation::snake_op::PascalOpError::Variant(`, the arm's body
# possibly opening a block on the line before.
ARM = re.compile(
    r'"([A-Za-z0-9_.]+)" =>\s*\{?\s*crate::operation::[a-z0-9_]+::([A-Za-z0-9]+)Error::'
)


def scan(src: str) -> dict:
    """Operation -> modelled codes, from the crate's deserialisers: `protocol_serde/shape_*.rs`
    in older code generators, `operation/*.rs` in newer ones."""
    ops = {}
    for sub, prefix in (("protocol_serde", "shape_"), ("operation", "")):
        folder = os.path.join(src, sub)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.startswith(prefix) or not name.endswith(".rs"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                for m in ARM.finditer(f.read()):
                    ops.setdefault(m.group(2), set()).add(m.group(1))
    # Operations that model no error at all still exist: every error they get is unhandled.
    folder = os.path.join(src, "operation")
    for name in os.listdir(folder):
        if name.endswith(".rs"):
            pascal = "".join(w[:1].upper() + w[1:] for w in name[:-3].split("_"))
            ops.setdefault(pascal, set())
    return ops


def main() -> int:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    meta = json.loads(
        subprocess.check_output(
            ["cargo", "metadata", "--format-version", "1", "--locked"], cwd=root
        )
    )
    out = {}
    for pkg in meta["packages"]:
        service = CRATES.get(pkg["name"])
        if service is None:
            continue
        ops = scan(os.path.join(os.path.dirname(pkg["manifest_path"]), "src"))
        if service in out:
            print(f"two versions of {pkg['name']}", file=sys.stderr)
            return 1
        out[service] = {
            "crate": f"{pkg['name']} {pkg['version']}",
            "operations": {op: sorted(codes) for op, codes in sorted(ops.items())},
        }
    missing = sorted(set(CRATES.values()) - set(out))
    if missing:
        print(f"crates not found: {missing}", file=sys.stderr)
        return 1
    path = os.path.join(root, "tests", "emulator", "data", "modeled-errors.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(dict(sorted(out.items())), f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
