"""Synthetic names: deterministic from the person number, plausible for the Type-2 record.

Only the Type-2 text needs names; nothing in the model depends on them. Short lists of common
US surnames and given names (Census 2010 surname list, SSA given-name lists, top entries).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scomm.sim.draws import uniform, uniform_array

_SURNAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green",
    "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Nguyen",
    "Kim", "Patel", "Lee", "Chen", "Singh", "Wang", "Tran",
)  # fmt: skip
_HISPANIC_SURNAMES = (
    "Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Perez", "Sanchez",
    "Ramirez", "Torres", "Flores", "Rivera", "Gomez", "Diaz", "Reyes", "Morales", "Cruz",
    "Ortiz", "Gutierrez", "Chavez", "Ramos", "Ruiz", "Alvarez", "Mendoza", "Castillo", "Jimenez",
)  # fmt: skip
_MALE = (
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Charles",
    "Thomas", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Jose", "Juan", "Luis",
    "Carlos", "Jesus", "Miguel", "Kevin", "Brian", "Jason", "Eric", "Minh", "Wei",
)  # fmt: skip
_FEMALE = (
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
    "Karen", "Nancy", "Lisa", "Betty", "Ashley", "Maria", "Guadalupe", "Rosa", "Ana", "Carmen",
    "Michelle", "Amanda", "Melissa", "Stephanie", "Lan", "Mei",
)  # fmt: skip


def name_of(person: int, male: bool, hispanic: bool) -> tuple[str, str]:
    """(last, first) for a person number."""
    surnames = _HISPANIC_SURNAMES if hispanic else _SURNAMES
    given = _MALE if male else _FEMALE
    last = surnames[int(uniform(7, person, 1) * len(surnames))]
    first = given[int(uniform(7, person, 2) * len(given))]
    return last, first


def names_of(
    persons: npt.NDArray[np.int64], male: npt.NDArray[np.bool_], hispanic: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """:func:`name_of` for many people at once (same names)."""
    u_last, u_first = uniform_array(7, persons, 1), uniform_array(7, persons, 2)
    last = np.where(
        hispanic,
        np.array(_HISPANIC_SURNAMES, dtype=object)[(u_last * len(_HISPANIC_SURNAMES)).astype(int)],
        np.array(_SURNAMES, dtype=object)[(u_last * len(_SURNAMES)).astype(int)],
    )
    first = np.where(
        male,
        np.array(_MALE, dtype=object)[(u_first * len(_MALE)).astype(int)],
        np.array(_FEMALE, dtype=object)[(u_first * len(_FEMALE)).astype(int)],
    )
    return last, first
