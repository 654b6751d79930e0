#!/usr/bin/python3
"""Differential test of safeload's TorchScript code scan against torch's own compiler.

    mvn -B -q -DskipTests -pl safeload-api,safeload-core,safeload-cli package
    /usr/bin/python3 tools/torchscript_scan_differential.py [--cases 3000] [--seed 12]

Generates archives from fixtures/torchscript/benign/scripted_linear.pt with one extra statement in
forward() that reaches a refused operator (aten::save, aten::from_file, or evil::run, a custom operator
this script registers with torch.library so that it compiles) through a randomly spelled route: whitespace,
form feeds, carriage returns, comments and backslash continuations between tokens, .autograd hops,
the namespace aliased into a local, getattr(ops.evil, "run"), and "x is notops.evil.run(x)". Each archive
is compiled by torch (torch._C.import_ir_module: what torch.jit.load does, without calling any method;
the edited module has no __setstate__), and the operators of every compiled function are collected. Then
safeload's CLI verifies every archive.

A bypass is an archive that torch compiled into a graph with a refused operator and that safeload
verified. The script prints the counts and every bypass, and exits 1 if there is one.
"""
import argparse
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile

import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEPARATORS = ["", "", "", " ", "\t", " \\\n ", "\n ", "  # c\n  ", "\f", "\r", "\\\n"]
SAVE = [["torch", ".", "save"], ["torch", ".", "autograd", ".", "save"], ["ops", ".", "aten", ".", "save"],
        ["ops", ".", "prim", ".", "autograd", ".", "save"], ["ops", ".", "evil", ".", "autograd", ".", "save"],
        ["torch", ".", "from_file"]]
RUN = ["ops", ".", "evil", ".", "run"]


def spelled(tokens, rng):
    return "".join(t + rng.choice(SEPARATORS) for t in tokens)


def statement(rng):
    """One or two lines that reach a refused operator; parenthesised so that newlines may continue them."""
    kind = rng.random()
    if kind < 0.35:
        return "_q = (" + spelled(rng.choice(SAVE), rng) + rng.choice(['(x, "f")', '("f")', '(x,"f",)']) + ")"
    if kind < 0.6:
        return "_q = (" + spelled(RUN, rng) + "(x))"
    if kind < 0.75:
        return "_q = (x is" + rng.choice([" not", " not ", "  not "]) + spelled(RUN, rng) + "(x))"
    if kind < 0.85:
        return "_q = (getattr(" + rng.choice(["ops.evil", "ops.aten"]) + ", " + rng.choice(['"run"', "'run'", '"save"']) \
            + ")(x))"
    alias = rng.choice(["torch", "ops", "ops.evil", "ops.aten"])
    call = rng.choice(['save(x, "f")', "evil.run(x)", "run(x)", 'aten.save(x, "f")'])
    return "_t = " + alias + "\n    _q = _t." + call


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--jar", default=os.path.join(REPO, "safeload-cli", "target", "safeload.jar"))
    args = ap.parse_args()
    lib = torch.library.Library("evil", "DEF")  # noqa: F841 (kept alive while compiling)
    lib.define("run(Tensor x) -> Tensor")
    lib.impl("run", lambda x: x, "CPU")
    spec = importlib.util.spec_from_file_location("gen", os.path.join(REPO, "fixtures", "generate_torchscript.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    with open(os.path.join(REPO, "fixtures", "torchscript", "benign", "scripted_linear.pt"), "rb") as f:
        records = gen.records_of(f.read())
    code_name = next(r[0] for r in records if r[0].endswith("/safeload_ts_models.py"))
    code = next(r[1] for r in records if r[0] == code_name).decode()
    anchor = "    fc = self.fc\n"
    rng = random.Random(args.seed)
    torch_view = {}
    with tempfile.TemporaryDirectory() as out:
        for i in range(args.cases):
            added = "    " + statement(rng) + "\n    print(_q)\n"  # print keeps the call alive through DCE
            edited = code.replace(anchor, anchor + added).encode("latin-1")
            path = os.path.join(out, f"case{i:05d}.pt")
            with open(path, "wb") as f:
                f.write(gen.ts_zip([[n, edited if n == code_name else d, m] for n, d, m in records]))
            try:
                unit = torch._C.CompilationUnit()
                torch._C.import_ir_module(unit, path, torch.device("cpu"), {})
            except Exception:
                torch_view[path] = (False, [], added)
                continue
            kinds = set()
            for function in unit.get_functions():
                stack = list(function.graph.nodes())
                while stack:
                    node = stack.pop()
                    kinds.add(node.kind())
                    for block in node.blocks():
                        stack.extend(block.nodes())
            refused = sorted(k for k in kinds if k in ("aten::save", "aten::from_file") or k.startswith("evil::"))
            torch_view[path] = (True, refused, added)
        run = subprocess.run(["java", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error", "-jar", args.jar, "verify",
                              "--format", "json", out], capture_output=True, text=True)
        verdicts = {r["path"]: r["verdict"] for r in json.loads(run.stdout)["results"]}
    compiled = [p for p, (ok, _, _) in torch_view.items() if ok]
    dangerous = [p for p in compiled if torch_view[p][1]]
    bypasses = [p for p in dangerous if verdicts[p] == "VERIFIED"]
    rejected_safe = [p for p in compiled if not torch_view[p][1] and verdicts[p] != "VERIFIED"]
    print(f"{args.cases} cases: torch compiled {len(compiled)}, {len(dangerous)} of them with a refused operator in "
          f"a graph; safeload rejected {sum(verdicts[p] != 'VERIFIED' for p in dangerous)} of those; bypasses: "
          f"{len(bypasses)}; compiled without a refused operator yet rejected: {len(rejected_safe)}")
    for p in bypasses:
        print("BYPASS", repr(torch_view[p][2]), torch_view[p][1])
    sys.exit(1 if bypasses else 0)


if __name__ == "__main__":
    main()
