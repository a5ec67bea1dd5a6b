"""The people who get booked: status, identity, and the records that exist about them.

Generated column-wise with numpy (one array per attribute, one row per person) so that a
national run of millions of people costs seconds; individual ``scomm.domain`` objects are made
only on request (:mod:`scomm.sim.world`). Every probability comes from the scenario.

Ground truth kept per person, for the ``oracle`` biometric mode and the ICE side:
``iafis_day`` (first arrest known to the FBI before the run, :data:`NEVER` if none),
``ident_day`` (first immigration encounter in DHS IDENT: visa application, border apprehension,
prior removal), ``entry_day`` (arrival in the US, foreign-born only) and prior convictions with
NCIC codes (CSR arrays ``conv_start``/``conv_code``/``conv_day``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scomm.sim.scenario import NONCITIZEN_STATUSES, ImmigrationStatus, PopulationParams

EPOCH = dt.date(1970, 1, 1)
NEVER = np.int32(2**31 - 1)
STATUSES: tuple[ImmigrationStatus, ...] = tuple(ImmigrationStatus)
RACES = ("A", "B", "I", "U", "W")

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


_EPOCH_ORDINAL = EPOCH.toordinal()


def day_date(number: int) -> dt.date:
    return dt.date.fromordinal(_EPOCH_ORDINAL + int(number))


@dataclass(frozen=True, slots=True)
class OffenseCatalog:
    """The NCIC codes a scenario uses, indexed; groups and their code weights."""

    codes: tuple[str, ...]
    groups: tuple[str, ...]
    group_share: npt.NDArray[np.float64]
    group_minor: B
    group_conviction: npt.NDArray[np.float64]
    group_codes: tuple[I32, ...]
    group_code_weights: tuple[npt.NDArray[np.float64], ...]

    @classmethod
    def from_params(cls, params: PopulationParams) -> OffenseCatalog:
        groups = params.offense_mix.value
        codes = sorted({c for g in groups.values() for c in g.codes})
        index = {c: i for i, c in enumerate(codes)}
        names = tuple(groups)
        weights = [np.array(list(groups[n].codes.values())) for n in names]
        return cls(
            codes=tuple(codes),
            groups=names,
            group_share=np.array([groups[n].share for n in names]),
            group_minor=np.array([groups[n].minor for n in names]),
            group_conviction=np.array([groups[n].conviction_probability for n in names]),
            group_codes=tuple(
                np.array([index[c] for c in groups[n].codes], np.int32) for n in names
            ),
            group_code_weights=tuple(w / w.sum() for w in weights),
        )

    def group_index(self, name: str) -> int:
        return self.groups.index(name)

    def draw_codes(self, rng: np.random.Generator, groups: I8) -> I32:
        """One NCIC code index per row, from each row's offense group."""
        out = np.empty(len(groups), dtype=np.int32)
        for g in range(len(self.groups)):
            rows = np.flatnonzero(groups == g)
            if len(rows):
                out[rows] = rng.choice(
                    self.group_codes[g], size=len(rows), p=self.group_code_weights[g]
                )
        return out

    def draw_groups(self, rng: np.random.Generator, n: int, weights: npt.NDArray[np.float64]) -> I8:
        return rng.choice(len(self.groups), size=n, p=weights / weights.sum()).astype(np.int8)


@dataclass(frozen=True, slots=True)
class People:
    """Column arrays, one row per person; ``person`` is the global person number."""

    person: I64
    county: I32
    status: I8
    male: B
    race: I8
    hispanic: B
    birth_day: I32
    birthplace: npt.NDArray[np.int16]  # index into the run's birthplace codes
    entry_day: I32  # NEVER for the native-born
    ident_day: I32  # NEVER when not in IDENT
    iafis_day: I32  # NEVER when no prior arrest
    conv_start: I64  # len n+1: person i's prior convictions are rows conv_start[i]:conv_start[i+1]
    conv_code: I32
    conv_day: I32

    def __len__(self) -> int:
        return len(self.person)


def _choice(
    rng: np.random.Generator, n: int, shares: dict[str, float], keys: tuple[str, ...]
) -> I8:
    p = np.array([shares.get(k, 0.0) for k in keys])
    return rng.choice(len(keys), size=n, p=p / p.sum()).astype(np.int8)


def _ages(rng: np.random.Generator, params: PopulationParams, n: int) -> npt.NDArray[np.float64]:
    brackets = list(params.age_mix.value.items())
    pick = rng.choice(len(brackets), size=n, p=np.array([s for _, s in brackets]))
    low = np.array([int(b.split("-")[0]) for b, _ in brackets])[pick]
    high = np.array([int(b.split("-")[1]) + 1 for b, _ in brackets])[pick]
    ages = rng.uniform(low, high)
    juvenile = rng.random(n) < params.juvenile_share.value
    ages[juvenile] = rng.uniform(16.0, 18.0, size=int(juvenile.sum()))
    return ages


def generate_people(
    rng: np.random.Generator,
    params: PopulationParams,
    catalog: OffenseCatalog,
    *,
    n: int,
    first_person: int,
    county: int,
    state_birthplace: int,
    n_native_birthplaces: int,
    foreign_born_share: float,
    reference_day: int,
) -> People:
    """``n`` people living in one county, as of ``reference_day`` (the run's start)."""
    foreign_p = min(1.0, foreign_born_share * params.foreign_born_arrest_ratio.value)
    foreign = rng.random(n) < foreign_p
    naturalized = foreign & (rng.random(n) < params.naturalized_share_of_foreign_born.value)
    noncitizen = foreign & ~naturalized
    status = np.zeros(n, dtype=np.int8)
    status[naturalized] = STATUSES.index(ImmigrationStatus.NATURALIZED)
    mix = params.noncitizen_status_mix.value
    keys = tuple(s.value for s in NONCITIZEN_STATUSES)
    status[noncitizen] = _choice(rng, int(noncitizen.sum()), mix, keys) + 2

    hisp = params.hispanic_share.value
    hispanic = rng.random(n) < np.where(foreign, hisp["foreign_born"], hisp["native"])
    race = _choice(rng, n, params.race_mix.value, RACES)
    race[hispanic] = RACES.index("W")  # EBTS folds Latino into W
    male = rng.random(n) < params.male_share.value
    birth_day = (reference_day - _ages(rng, params, n) * 365.25).astype(np.int32)

    birthplace = np.full(n, state_birthplace, dtype=np.int16)
    places = params.foreign_birthplace_mix.value
    birthplace[foreign] = (
        _choice(rng, int(foreign.sum()), places, tuple(places)) + n_native_birthplaces
    ).astype(np.int16)
    years_here = rng.exponential(params.years_in_us_mean.value, size=n)
    entry_day = np.where(
        foreign, np.maximum(birth_day + 1, reference_day - years_here * 365.25), NEVER
    ).astype(np.int32)

    enrol = np.array([params.ident_enrollment.value[s] for s in STATUSES])[status]
    in_ident = rng.random(n) < enrol
    ident_day = np.where(
        in_ident, np.maximum(entry_day.clip(max=reference_day - 1), reference_day - 20 * 365), NEVER
    ).astype(np.int32)

    arrest_p = np.array([params.prior_arrest_probability.value[s] for s in STATUSES])[status]
    prior = rng.random(n) < arrest_p
    adult_day = birth_day + int(18 * 365.25)
    earliest = np.minimum(np.maximum(adult_day, reference_day - 20 * 365), reference_day - 2)
    iafis_day = np.where(
        prior, rng.integers(earliest, reference_day - 1, endpoint=False), NEVER
    ).astype(np.int32)

    convicted = prior & (rng.random(n) < params.prior_conviction_given_arrest.value)
    count = np.where(convicted, 1 + rng.poisson(params.extra_prior_convictions_mean.value, n), 0)
    conv_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(count, out=conv_start[1:])
    total = int(conv_start[-1])
    owner = np.repeat(np.arange(n), count)
    weights = catalog.group_share * catalog.group_conviction
    conv_code = catalog.draw_codes(rng, catalog.draw_groups(rng, total, weights))
    span = np.maximum(reference_day - iafis_day[owner], 1)
    conv_day = (iafis_day[owner] + rng.random(total) * span).astype(np.int32)
    return People(
        person=np.arange(first_person, first_person + n, dtype=np.int64),
        county=np.full(n, county, dtype=np.int32),
        status=status,
        male=male,
        race=race,
        hispanic=hispanic,
        birth_day=birth_day,
        birthplace=birthplace,
        entry_day=entry_day,
        ident_day=ident_day,
        iafis_day=iafis_day,
        conv_start=conv_start,
        conv_code=conv_code,
        conv_day=conv_day,
    )
