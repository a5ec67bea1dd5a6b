"""Synthetic population, histories and booking streams, and ICE's side after a match (issue 9).

See ``docs/simulation.md``. Entry points: :func:`builtin_scenario` / :func:`load_scenario`,
:class:`BookingStream` (chunks of people and bookings), :class:`World` (ground truth, domain
objects, LESC / detainer / outcome), :func:`historical_rules`, :class:`WorldBuilder`.
"""

from scomm.sim.bookings import Bookings, BookingStream, Chunk, activation_from_mapping
from scomm.sim.detainers import (
    DetainerCase,
    DetainerDecision,
    DetainerForm,
    Era,
    EraRules,
    StateLimit,
    historical_rules,
    i247_practice,
    pep_priorities,
    reinstated_2017,
    trust_act,
)
from scomm.sim.geography import ActivationDate, County, Geography, national_geography
from scomm.sim.lesc import LescDetermination, LescStatus, lesc_determination
from scomm.sim.outcomes import IceOutcome, LiftReason, outcome
from scomm.sim.population import People
from scomm.sim.scenario import (
    ImmigrationStatus,
    Scenario,
    ScenarioError,
    builtin_scenario,
    load_scenario,
    parse_scenario,
    scenario_names,
)
from scomm.sim.smallworld import WorldBuilder
from scomm.sim.world import World, person_id, person_number

__all__ = [
    "ActivationDate",
    "BookingStream",
    "Bookings",
    "Chunk",
    "County",
    "DetainerCase",
    "DetainerDecision",
    "DetainerForm",
    "Era",
    "EraRules",
    "Geography",
    "IceOutcome",
    "ImmigrationStatus",
    "LescDetermination",
    "LescStatus",
    "LiftReason",
    "People",
    "Scenario",
    "ScenarioError",
    "StateLimit",
    "World",
    "WorldBuilder",
    "activation_from_mapping",
    "builtin_scenario",
    "historical_rules",
    "i247_practice",
    "lesc_determination",
    "load_scenario",
    "national_geography",
    "outcome",
    "parse_scenario",
    "pep_priorities",
    "person_id",
    "person_number",
    "reinstated_2017",
    "scenario_names",
    "trust_act",
]
