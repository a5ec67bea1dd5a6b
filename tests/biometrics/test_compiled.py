"""What the compiled kernels cost to compile on a first run: no wrapper nobody calls, and one
compiled version of a kernel where its callers could pass arrays of another writability (each
version is compiled on its own, seconds of CPU on the demo's first run)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from numba.core.registry import CPUDispatcher

import scomm.biometrics
from scomm.biometrics import Gallery, Searcher, compare, matcher
from scomm.biometrics.synthetic import (
    generate_master,
    template_impression,
    template_kernels,
    template_of_new_finger,
    to_engine_template,
)
from scomm.domain import INDEX_FINGERS, FingerPosition


def _kernels() -> dict[str, CPUDispatcher]:
    found = {}
    for info in pkgutil.walk_packages(scomm.biometrics.__path__, "scomm.biometrics."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == info.name:
                found[f"{info.name}.{name}"] = value
    return found


def test_every_kernel_is_compiled_without_the_c_callable_wrapper() -> None:
    """The wrapper serves compiled functions passed as values, which scomm never does; it
    costs each compile its lowering and machine code."""
    kernels = _kernels()
    assert len(kernels) > 50
    assert [n for n, k in kernels.items() if not k.targetoptions.get("no_cfunc_wrapper")] == []


def test_compare_and_the_stored_search_share_one_compiled_comparison(tmp_path: Path) -> None:
    people = [
        {f: template_of_new_finger(3, identity, f) for f in INDEX_FINGERS} for identity in range(3)
    ]
    assert 0.0 <= compare(people[0][INDEX_FINGERS[0]], people[1][INDEX_FINGERS[0]]) <= 1.0
    with Gallery.open(tmp_path) as gallery, gallery.bulk_enrolment():
        for number, fingers in enumerate(people):
            gallery.enrol(f"p{number}", fingers)
    searcher = Searcher(Gallery.open(tmp_path), comparisons=4, min_subjects=2, shortlist=20)
    assert searcher.search(people[0], 1)[0].subject_id == "p0"
    assert len(matcher._score.signatures) == 1


def test_a_master_and_a_new_finger_share_one_compiled_visibility_kernel() -> None:
    finger = FingerPosition.RIGHT_INDEX
    to_engine_template(template_impression(generate_master(3, 1, finger), 0))
    template_of_new_finger(3, 2, finger)
    assert len(template_kernels.visible_minutiae.signatures) == 1
