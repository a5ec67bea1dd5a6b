"""A small world replayed through the agencies: the fixtures every pipeline test shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from scomm.agencies import Intake, RunContexts, StageRunner, enter_bookings, open_run
from scomm.agencies.runner import PipelineWorker
from scomm.policy import Registry
from scomm.sim.replay import SERVICES, WorldSpec, build_world, enrol, intakes, time_order
from scomm.sim.world import World
from scomm.store import WorkChannel, make_engine, transaction, upgrade_to_head

SMALL = WorldSpec(sample_fraction=0.002, seed=7)
RUN = "test-run"


@dataclass
class Replay:
    url: str
    data_dir: Path
    channel: WorkChannel
    world: World
    registry: Registry
    run_id: str = RUN

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return self.channel.engine

    def rows(self, count: int) -> list[int]:
        """``count`` bookings spread over the whole period, in time order."""
        order = time_order(self.world)
        picks = np.linspace(0, len(order) - 1, count).astype(int)
        return [int(order[i]) for i in picks]

    def enter(self, items: Sequence[Intake], run_id: str = RUN) -> None:
        with transaction(self.engine) as session:
            enter_bookings(session, self.channel, run_id, items, self.registry)

    def intakes(self, rows: Sequence[int]) -> list[Intake]:
        return list(intakes(self.world, rows))

    def worker(self, chain: bool = True) -> PipelineWorker:
        contexts = RunContexts(self.channel, self.data_dir, self.registry)
        runner = StageRunner(self.channel, contexts, self.registry)
        return PipelineWorker(runner, batch_size=50, chain=chain)


@pytest.fixture(scope="session")
def small_world() -> World:
    return build_world(SMALL)


@pytest.fixture(scope="session")
def galleries(tmp_path_factory: pytest.TempPathFactory, small_world: World) -> Path:
    root = tmp_path_factory.mktemp("data")
    enrol(small_world, root / "galleries" / "small")
    return root


def make_replay(url: str, data_dir: Path, world: World, policy: str = "historical") -> Replay:
    engine = make_engine(url)
    upgrade_to_head(engine)
    open_run(
        engine, RUN, policy=policy, mode="oracle", scenario="small", seed=SMALL.seed,
        parameters={"world": SMALL.to_json(), "galleries": "small", "services": SERVICES},
    )  # fmt: skip
    return Replay(url, data_dir, WorkChannel(engine), world, Registry.shipped())


@pytest.fixture
def replay(tmp_path: Path, galleries: Path, small_world: World) -> Replay:
    return make_replay(f"sqlite:///{tmp_path / 'scomm.db'}", galleries, small_world)


@pytest.fixture
def replay_factory(galleries: Path, small_world: World) -> Callable[[str], Replay]:
    """Opens the test run on a database URL (SQLite file or PostgreSQL schema)."""
    return lambda url: make_replay(url, galleries, small_world)
