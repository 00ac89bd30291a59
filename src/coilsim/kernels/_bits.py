"""Bit-level helpers that LLVM can vectorise (numba has no scalar bitcast of its own)."""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic


@intrinsic
def f64_as_i64(typingctx, x):
    """Reinterpret the bits of a float64 as an int64 (no conversion)."""
    if isinstance(x, types.Float) and x.bitwidth == 64:
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(64))
        return types.int64(types.float64), codegen
    return None


@intrinsic
def i64_as_f64(typingctx, x):
    """Reinterpret the bits of an int64 as a float64 (no conversion)."""
    if isinstance(x, types.Integer) and x.bitwidth == 64:
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.DoubleType())
        return types.float64(x), codegen
    return None
