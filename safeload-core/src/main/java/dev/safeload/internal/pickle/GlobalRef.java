package dev.safeload.internal.pickle;

import dev.safeload.api.tree.DType;

/** An allowlisted global as pushed by GLOBAL or STACK_GLOBAL. Nothing was imported. */
record GlobalRef(String module, String name, GlobalKind kind, DType dtype) {
}
