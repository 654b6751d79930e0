#!/usr/bin/env python3
"""Print what real torch reports for each model file, as JSON, for safeload's conformance test.

For each path: try torch.load(weights_only=True); if torch's restricted unpickler refuses the file
(torch 1.13 lacks BINFLOAT, FRAME and some globals that newer torch accepts), load with
weights_only=False instead -- only ever run this on the committed benign fixtures -- and say so.

Output: {"torch": version, "files": {path: {"weights_only": bool, "weights_only_error": str|null,
         "tensors": [{"path": [...], "dtype", "shape", "stride", "storage_offset", "requires_grad",
                      "parameter", "storage_elements"}]}}}
"""
import json
import sys

import torch


def walk(obj, path, out, seen_containers):
    if isinstance(obj, torch.Tensor):
        storage = obj.storage()
        out.append({
            "path": path,
            "dtype": str(obj.dtype).replace("torch.", ""),
            "shape": list(obj.shape),
            "stride": list(obj.stride()),
            "storage_offset": obj.storage_offset(),
            "requires_grad": bool(obj.requires_grad),
            "parameter": isinstance(obj, torch.nn.Parameter),
            "storage_elements": storage.size(),
        })
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            walk(value, path + [key if isinstance(key, (str, int)) else repr(key)], out, seen_containers)
    elif isinstance(obj, (list, tuple)):
        for index, value in enumerate(obj):
            walk(value, path + [index], out, seen_containers)


LEGACY_MAGIC = bytes.fromhex("8a0a6cfc9c46f9206aa85019")


def is_torch_file(path):
    with open(path, "rb") as f:
        head = f.read(32)
    return head.startswith(b"PK") or LEGACY_MAGIC in head[:32]


def describe(path):
    error = None
    if not is_torch_file(path):
        # A plain pickle (pickle.dump output); torch.load cannot read those. Only ever run on benign fixtures.
        import pickle
        with open(path, "rb") as f:
            obj = pickle.load(f)
        tensors = []
        walk(obj, [], tensors, set())
        return {"weights_only": False, "weights_only_error": "plain pickle: loaded with pickle.load",
                "tensors": tensors}
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
        weights_only = True
    except Exception as e:  # torch 1.13's restricted unpickler refuses BINFLOAT, FRAME, ...
        error = f"{type(e).__name__}: {e}"[:300]
        obj = torch.load(path, map_location="cpu", weights_only=False)
        weights_only = False
    tensors = []
    walk(obj, [], tensors, set())
    return {"weights_only": weights_only, "weights_only_error": error, "tensors": tensors}


def main(paths):
    result = {"torch": torch.__version__, "files": {p: describe(p) for p in paths}}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
