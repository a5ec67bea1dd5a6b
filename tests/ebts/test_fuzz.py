"""Replay the fuzz corpus and run a small sample of fresh mutations (the full run: 100,000
cases with ``tests/ebts/fuzz_parser.py``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent


def _fuzz_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ebts_fuzz_parser", HERE / "fuzz_parser.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzz = _fuzz_module()
CORPUS = sorted((HERE / "corpus").glob("*.an2"))


def test_corpus_is_not_empty() -> None:
    assert len(CORPUS) >= 10


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_case(path: Path) -> None:
    fuzz.check(path.read_bytes())


def test_fresh_mutations(shared_data: Path) -> None:
    originals = fuzz.seeds(shared_data / "an2k")
    assert originals
    fuzz.run(300, originals)
