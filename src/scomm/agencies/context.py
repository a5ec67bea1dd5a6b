"""Runs: opening one (its ``replay_run`` row) and building, once per process, what handles its
messages (policy, gate, services)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from scomm.agencies import routing
from scomm.agencies.gate import DisclosureGate
from scomm.agencies.runner import RunContext
from scomm.agencies.services import factory, parameters_of
from scomm.ledger import Ledger
from scomm.policy import PolicySet, Registry, load_policy, preset, preset_names
from scomm.store import WorkChannel, read_only
from scomm.store.outcome_tables import ReplayRun


def policy_by_name(name: str) -> PolicySet:
    """A preset name, or a policy file's path."""
    if name in preset_names():
        return preset(name)
    return load_policy(Path(name))


def policy_label(compiled: PolicySet) -> str:
    """How a run records its policy: the name and the start of the rules' hash (the same name
    with edited rules is another policy)."""
    return f"{compiled.name}@{compiled.policy_hash[:16]}"


def open_run(
    engine: Engine,
    run_id: str,
    *,
    policy: str,
    mode: str,
    scenario: str = "live",
    seed: int = 0,
    parameters: Mapping[str, Any] | None = None,
) -> None:
    """Record a run (idempotent: an existing run with this id is left as it is)."""
    routing.check_run_id(run_id)
    compiled = policy_by_name(policy)
    values = {**(parameters or {}), "mode": mode, "seed": seed, "policy_name": policy}
    with engine.begin() as conn:
        if conn.execute(select(ReplayRun.run_id).where(ReplayRun.run_id == run_id)).first():
            return
        conn.execute(
            ReplayRun.__table__.insert().values(  # type: ignore[attr-defined]
                run_id=run_id,
                policy=policy_label(compiled),
                scenario=scenario[:64],
                seed=seed,
                mode=mode,
                started_at=dt.datetime.now(dt.UTC),
                finished_at=None,
                parameters=json.dumps(values, sort_keys=True),
            )
        )


def finish_run(engine: Engine, run_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(ReplayRun)
            .where(ReplayRun.run_id == run_id)
            .values(finished_at=dt.datetime.now(dt.UTC))
        )


class RunContexts:
    """run id -> :class:`RunContext`, built on first use and kept for the process's life."""

    def __init__(
        self,
        channel: WorkChannel,
        data_dir: Path,
        registry: Registry | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        self.channel = channel
        self.data_dir = data_dir
        self.registry = registry or Registry.shipped()
        self.ledger = ledger or Ledger(channel.engine, data_dir / "keys", migrate=False)
        self._cache: dict[str, RunContext] = {}

    def parameters(self, run_id: str) -> dict[str, Any]:
        with read_only(self.channel.engine).begin() as conn:
            row = conn.execute(
                select(ReplayRun.parameters).where(ReplayRun.run_id == run_id)
            ).first()
        if row is None:
            raise LookupError(f"no run {run_id!r}: open it first")
        return parameters_of(row[0])

    def __call__(self, run_id: str) -> RunContext:
        context = self._cache.get(run_id)
        if context is None:
            parameters = self.parameters(run_id)
            agencies = factory(parameters)(parameters, self.data_dir, self.registry)
            policy = policy_by_name(str(parameters.get("policy_name", "historical")))
            gate = DisclosureGate(policy, self.ledger, self.channel)
            context = self._cache[run_id] = RunContext(run_id, agencies, gate)
        return context
