"""A run's services: where its galleries are, which fidelity, which LESC and ERO judgement.

A run's ``replay_run.parameters`` (JSON) say ``mode`` (``oracle`` or ``full``), ``galleries``
(a directory under the data directory's ``galleries/``), error rates, the ``seed`` of the oracle
draws, and optionally ``services``: ``module:function`` of a factory that builds the
:class:`Agencies` (a simulation names its own, which knows its ground truth). Every worker
process builds the same services from the same parameters, so any worker can handle any
message of any run.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from scomm.agencies.actors import Agencies
from scomm.agencies.decisions import NoRecordsStatusCheck, PriorityDetainerRule
from scomm.agencies.full import FullSearch
from scomm.agencies.identification import IdentificationService
from scomm.agencies.oracle import ErrorRates, OracleGallery, OracleSearch
from scomm.biometrics.gallery import Gallery
from scomm.biometrics.search import DEFAULT_FPIR
from scomm.policy import Registry

CJIS_GALLERY = "cjis.npz"
IDENT_GALLERY = "ident.npz"
CJIS_FULL = "cjis-full"
IDENT_FULL = "ident-full"
MATCH_RATES = "data/match_rates.json"
"""The full engine's error rates, measured by ``benchmarks/match_rates.py`` (package data)."""


def measured_rates(text: str | None = None) -> dict[str, ErrorRates]:
    """CJIS's (tenprint) and IDENT's (two index fingers) error rates at the full mode's
    operating threshold, from ``MATCH_RATES`` (or ``text`` in its format), with provenance."""
    if text is None:
        text = resources.files("scomm.agencies").joinpath(MATCH_RATES).read_text()
    data = json.loads(text)
    try:
        rates = {}
        for name in ("cjis", "ident"):
            m = data[name]
            fnir, fpir = float(m["fnir"]), float(m["fpir"])
            fnir_ci, fpir_ci = (f"{lo:.2%}-{hi:.2%}" for lo, hi in (m["fnir_95"], m["fpir_95"]))
            rates[name] = ErrorRates(fnir, fpir, (
                f"{data['source']}; {m['probe']}: FNIR {fnir:.2%} ({m['misses']} of "
                f"{m['mated_searches']}, 95% {fnir_ci}), FPIR {fpir:.2%} ({m['false_hits']} of "
                f"{m['nonmated_searches']}, 95% {fpir_ci})"
            ))  # fmt: skip
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{MATCH_RATES} is not a match-rates file: {error!r}") from error
    return rates


DEFAULT_RATES = measured_rates()
"""What oracle mode draws its errors from unless a run's ``error_rates`` say otherwise."""

Factory = Callable[[Mapping[str, Any], Path, Registry], Agencies]


@dataclass(frozen=True)
class RunSettings:
    mode: str
    galleries: Path
    seed: int
    rates: Mapping[str, ErrorRates]


def settings(parameters: Mapping[str, Any], data_dir: Path) -> RunSettings:
    mode = str(parameters.get("mode", "oracle"))
    if mode not in ("oracle", "full"):
        raise ValueError(f"biometric mode must be oracle or full, not {mode!r}")
    rates = dict(DEFAULT_RATES)
    for name, given in dict(parameters.get("error_rates", {})).items():
        rates[name] = ErrorRates(float(given["fnir"]), float(given["fpir"]), "run parameters")
    galleries = data_dir / "galleries" / str(parameters.get("galleries", "default"))
    return RunSettings(mode, galleries, int(parameters.get("seed", 0)), rates)


def searches(
    parameters: Mapping[str, Any], data_dir: Path
) -> tuple[IdentificationService, IdentificationService]:
    """The CJIS and IDENT searches a run's parameters name."""
    run = settings(parameters, data_dir)
    if run.mode == "full":
        fpir = float(parameters.get("fpir", DEFAULT_FPIR))
        found = []
        for name in (CJIS_FULL, IDENT_FULL):
            if not (run.galleries / name / "gallery.json").exists():
                raise FileNotFoundError(f"no gallery {run.galleries / name}: enrol it first")
            found.append(FullSearch(Gallery.open(run.galleries / name), fpir))
        return found[0], found[1]
    for name in (CJIS_GALLERY, IDENT_GALLERY):
        if not (run.galleries / name).exists():
            raise FileNotFoundError(f"no gallery {run.galleries / name}: run `scomm enroll` first")
    cjis = OracleSearch(
        OracleGallery.load(run.galleries / CJIS_GALLERY), run.rates["cjis"], run.seed
    )
    ident = OracleSearch(
        OracleGallery.load(run.galleries / IDENT_GALLERY), run.rates["ident"], run.seed,
        tenprint_rates=run.rates["cjis"],
    )  # fmt: skip
    return cjis, ident


def standard_services(
    parameters: Mapping[str, Any], data_dir: Path, registry: Registry
) -> Agencies:
    """Galleries from the data directory; a LESC without records; Level 1/2 detainers."""
    cjis, ident = searches(parameters, data_dir)
    return Agencies(
        registry, cjis, ident, NoRecordsStatusCheck(), PriorityDetainerRule(),
        tenprint_from(parameters),
    )  # fmt: skip


def tenprint_from(parameters: Mapping[str, Any]) -> dt.date | None:
    """``ident_tenprint_from`` of a run's parameters (ISO date), if any."""
    value = parameters.get("ident_tenprint_from")
    return None if value is None else dt.date.fromisoformat(str(value))


def factory(parameters: Mapping[str, Any]) -> Factory:
    name = str(parameters.get("services", "scomm.agencies.services:standard_services"))
    module, _, attribute = name.partition(":")
    if not attribute:
        raise ValueError(f"services {name!r} must be 'module:function'")
    found: Factory = getattr(importlib.import_module(module), attribute)
    return found


def parameters_of(text: str) -> dict[str, Any]:
    value = json.loads(text or "{}")
    if not isinstance(value, dict):
        raise ValueError("replay_run.parameters must be a JSON object")
    return value
