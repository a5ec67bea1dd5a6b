"""Population count for numba code, compiled to the CPU's POPCNT instruction via LLVM's ctpop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llvmlite import ir  # type: ignore[import-untyped]
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


def _popcount64(typingctx: Any, value: Any) -> Any:
    if value != types.uint64:
        return None
    sig = types.uint64(types.uint64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64)])
        insert = cgutils.get_or_insert_function
        fn = insert(builder.module, fnty, "llvm.ctpop.i64")  # type: ignore[no-untyped-call]
        return builder.call(fn, [args[0]])

    return sig, codegen


popcount64 = cast(Callable[[Any], Any], intrinsic(_popcount64))
"""Number of set bits of a uint64 (callable from njit functions only)."""
