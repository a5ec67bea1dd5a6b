"""Services for a world held in this process (hand-built worlds, tests, notebooks).

A run's services are normally rebuilt from its parameters in every worker process
(:func:`scomm.sim.replay.world_services`). A hand-built world (:class:`WorldBuilder`) cannot be
rebuilt from a seed, so it is registered under a name and the run names it
(``parameters["registered_world"]``); only workers in the same process (``PipelineWorker``
run in-process) can then handle the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scomm.agencies import Agencies
from scomm.agencies.services import searches
from scomm.policy import Registry
from scomm.sim.detainers import historical_rules
from scomm.sim.replay import WorldDetainerRule, WorldStatusCheck, _Who
from scomm.sim.world import World

REGISTERED_SERVICES = "scomm.sim.registered:registered_services"
_WORLDS: dict[str, _Who] = {}


def register_world(name: str, world: World) -> None:
    """Make ``world`` available to runs whose parameters say ``registered_world: name``."""
    _WORLDS[name] = _Who(world)


def registered_services(
    parameters: Mapping[str, Any], data_dir: Path, registry: Registry
) -> Agencies:
    name = str(parameters.get("registered_world", ""))
    who = _WORLDS.get(name)
    if who is None:
        raise LookupError(
            f"no world registered as {name!r} in this process (registered: "
            f"{', '.join(sorted(_WORLDS)) or 'none'}); hand-built worlds run in-process only"
        )
    cjis, ident = searches(parameters, data_dir)
    return Agencies(
        registry, cjis, ident, WorldStatusCheck(who), WorldDetainerRule(who, historical_rules())
    )
