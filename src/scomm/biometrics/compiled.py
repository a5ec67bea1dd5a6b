"""How the biometric kernels are compiled: numba's ``njit``, cached on disk, and without the
C-callable wrapper numba otherwise makes for every compiled function.

That wrapper serves a compiled function passed as a value to another (a first-class function
type), which scomm never does; making it costs each compile its lowering, optimisation and
machine code, on the demo's first run part of the ~60 CPU-s it spends compiling
(``benchmarks/compile.py``). The compiled code of each kernel is the same with or without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])

OPTIONS: dict[str, Any] = {"cache": True, "no_cfunc_wrapper": True}
"""What every kernel is compiled with (``compiled`` adds its own options to these)."""


def compiled(**options: Any) -> Callable[[F], F]:
    """``numba.njit`` with ``OPTIONS`` and these ``options`` (``nogil``, ``inline``, ...)."""
    return cast(Callable[[F], F], numba.njit(**OPTIONS, **options))
