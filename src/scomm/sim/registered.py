"""Services for a world held in this process (hand-built worlds, tests, notebooks).

A run's services are normally rebuilt from its parameters in every worker process
(:func:`scomm.sim.replay.world_services`). A hand-built world (:class:`WorldBuilder`) cannot be
rebuilt from a seed, so it is registered under a name and the run names it
(``parameters["registered_world"]``); only workers in the same process (``PipelineWorker``
run in-process) can then handle the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from scomm.agencies import Agencies, RunContexts, StageRunner, enter_bookings, open_run
from scomm.agencies.runner import PipelineWorker
from scomm.agencies.services import searches
from scomm.policy import Registry
from scomm.sim.detainers import historical_rules
from scomm.sim.replay import (
    WorldDetainerRule,
    WorldIndex,
    WorldStatusCheck,
    enrol,
    intakes,
    time_order,
)
from scomm.sim.world import World
from scomm.store import WorkChannel, make_engine, transaction, upgrade_to_head

REGISTERED_SERVICES = "scomm.sim.registered:registered_services"
_WORLDS: dict[str, WorldIndex] = {}


def register_world(name: str, world: World) -> None:
    """Make ``world`` available to runs whose parameters say ``registered_world: name``."""
    _WORLDS[name] = WorldIndex(world)


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


def replay_in_process(
    name: str,
    world: World,
    root: Path,
    policies: Sequence[str],
    *,
    error_rates: Mapping[str, Mapping[str, float]] | None = None,
    batch_size: int = 20,
) -> Engine:
    """Register ``world`` as ``name`` and replay all its bookings under each policy (one run per
    policy, named after it) through the agencies in this process, in a fresh SQLite store under
    ``root`` (galleries, ledger key); returns the store's engine once every queue is drained."""
    register_world(name, world)
    enrol(world, root / "galleries" / name, min_subjects=50)
    engine = make_engine(f"sqlite:///{root / 'scomm.db'}")
    upgrade_to_head(engine)
    channel = WorkChannel(engine)
    registry = Registry.shipped()
    parameters: dict[str, Any] = {
        "registered_world": name, "galleries": name, "services": REGISTERED_SERVICES,
    }  # fmt: skip
    if error_rates is not None:
        parameters["error_rates"] = {k: dict(v) for k, v in error_rates.items()}
    rows = [int(r) for r in time_order(world)]
    for policy in policies:
        open_run(engine, policy, policy=policy, mode="oracle", seed=1, parameters=parameters)
        with transaction(engine) as session:
            enter_bookings(session, channel, policy, list(intakes(world, rows)), registry)
    contexts = RunContexts(channel, root, registry)
    result = PipelineWorker(StageRunner(channel, contexts, registry), batch_size=batch_size).run()
    if result.dead or channel.pending():
        raise RuntimeError(f"replay of {name!r} left {result.dead} dead messages")
    return engine
