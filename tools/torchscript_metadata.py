#!/usr/bin/env python3
"""Print what real torch reports for each TorchScript archive, as JSON, for safeload's conformance test.

Loads each path with torch.jit.load (which compiles the archive's code/ and runs any scripted
__setstate__: only ever run this on the committed benign fixtures) and reports:

  tensors    every tensor the archive's data.pkl holds, by the path safeload's tree gives it: module
             attribute names from the root (a submodule's attributes below its name), list indices and
             dict keys below them; for a module with a scripted __getstate__/__setstate__, the path
             continues into the state that __getstate__ returns (tuple indices, dict keys), which is what
             the archive pickles. "parameter" is true for a tensor that is a registered parameter of
             some module of the archive (so a parameter also held in a list, such as an LSTM's
             _flat_weights, or tied into another module, is a parameter wherever it appears).
  operators  the operators of every method's graph, as torch.jit.load compiled them from code/, without
             the nodes that the language makes implicitly and that code never names (constants,
             attribute access, calls of methods and functions, list/tuple/dict literals, control flow,
             indexing with x[i]).

Output: {"torch": version, "files": {path: {"tensors": [{"path", "dtype", "shape", "stride",
         "storage_offset", "requires_grad", "parameter", "storage_elements"}], "operators": [...]}}}
"""
import json
import sys

import torch

# Node kinds that code/ does not spell as a call: the printer writes literals, x.attr, x[i], (m).method(...),
# if/for/with, or constants for them.
IMPLICIT_KINDS = {
    "prim::Constant", "prim::GetAttr", "prim::SetAttr", "prim::CallMethod", "prim::CallFunction",
    "prim::ListConstruct", "prim::ListUnpack", "prim::TupleConstruct", "prim::TupleUnpack", "prim::TupleIndex",
    "prim::TupleSlice", "prim::DictConstruct", "prim::If", "prim::Loop", "prim::Uninitialized",
    "prim::unchecked_cast", "prim::Enter", "prim::Exit", "prim::CreateObject", "prim::isinstance",
    "prim::StringIndex", "prim::ModuleContainerIndex", "aten::__getitem__", "prim::EnumValue", "prim::EnumName",
}


def tensor_entry(t, path, parameter):
    return {
        "path": path,
        "dtype": str(t.dtype).replace("torch.", ""),
        "shape": list(t.shape),
        "stride": list(t.stride()),
        "storage_offset": t.storage_offset(),
        "requires_grad": bool(t.requires_grad),
        "parameter": parameter,
        "storage_elements": t.storage().size(),
    }


def walk_value(value, path, out, parameters):
    if isinstance(value, torch.Tensor):
        out.append(tensor_entry(value, path, id(value) in parameters))
    elif isinstance(value, torch.jit.ScriptModule):
        walk_module(value, path, out, parameters)
    elif isinstance(value, dict):
        for key, item in value.items():
            walk_value(item, path + [key], out, parameters)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            walk_value(item, path + [index], out, parameters)


def walk_module(module, path, out, parameters):
    c = module._c
    if c._has_method("__getstate__") and c._has_method("__setstate__"):
        walk_value(c._get_method("__getstate__")(), path, out, parameters)
        return
    concrete = module._concrete_type
    for name, (attribute_type, _) in concrete.get_attributes().items():
        if attribute_type.kind() == "EnumType":
            continue  # Python cannot hold an enum of a scripted class; it holds no tensor either
        walk_value(c.getattr(name), path + [name], out, parameters)
    for name, _ in concrete.get_modules():
        walk_module(getattr(module, name), path + [name], out, parameters)


def operators(compilation_unit):
    """Every node kind of every function the archive's code compiled to: methods and free functions."""
    kinds = set()
    for function in compilation_unit.get_functions():
        stack = list(function.graph.nodes())
        while stack:
            node = stack.pop()
            kinds.add(node.kind())
            for block in node.blocks():
                stack.extend(block.nodes())
    return sorted(kinds - IMPLICIT_KINDS)


def describe(path):
    # What torch.jit.load does, keeping the compilation unit to list every compiled function.
    compilation_unit = torch._C.CompilationUnit()
    cpp_module = torch._C.import_ir_module(compilation_unit, path, torch.device("cpu"), {})
    module = torch.jit._recursive.wrap_cpp_module(cpp_module)
    # One Python object per tensor: torch keeps the wrapper of a TensorImpl, so ids identify tensors.
    parameters = {id(p) for m in module.modules() for _, p in m.named_parameters(recurse=False)}
    tensors = []
    walk_module(module, [], tensors, parameters)
    return {"tensors": tensors, "operators": operators(compilation_unit)}


def main(paths):
    result = {"torch": torch.__version__, "files": {p: describe(p) for p in paths}}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
