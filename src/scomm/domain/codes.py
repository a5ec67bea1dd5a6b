"""Code lists of ANSI/NIST-ITL and EBTS: finger positions, sex and race."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class FingerPosition(IntEnum):
    """Friction ridge generalized position (FGP), ANSI/NIST-ITL Table 8, codes 0-15."""

    UNKNOWN = 0
    RIGHT_THUMB = 1
    RIGHT_INDEX = 2
    RIGHT_MIDDLE = 3
    RIGHT_RING = 4
    RIGHT_LITTLE = 5
    LEFT_THUMB = 6
    LEFT_INDEX = 7
    LEFT_MIDDLE = 8
    LEFT_RING = 9
    LEFT_LITTLE = 10
    PLAIN_RIGHT_THUMB = 11
    PLAIN_LEFT_THUMB = 12
    PLAIN_RIGHT_FOUR = 13
    PLAIN_LEFT_FOUR = 14
    PLAIN_THUMBS = 15

    @classmethod
    def parse(cls, value: int | str) -> FingerPosition:
        """From an FGP number (``7`` or ``"07"``); ``ValueError`` naming the value otherwise."""
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"finger position must be a number 0-15, got {value!r}") from None
        try:
            return cls(number)
        except ValueError:
            raise ValueError(f"finger position must be 0-15, got {number}") from None

    @property
    def is_single_finger(self) -> bool:
        """True for the ten individual fingers (1-10), the positions of a rolled tenprint."""
        return 1 <= self.value <= 10


TEN_FINGERS: tuple[FingerPosition, ...] = tuple(FingerPosition(i) for i in range(1, 11))
INDEX_FINGERS: tuple[FingerPosition, ...] = (FingerPosition.RIGHT_INDEX, FingerPosition.LEFT_INDEX)


class Sex(StrEnum):
    """EBTS 2.024 SEX code list."""

    FEMALE = "F"
    MALE_IMPERSONATOR = "G"
    MALE = "M"
    FEMALE_IMPERSONATOR = "N"
    MALE_NAME_NO_GENDER = "Y"
    FEMALE_NAME_NO_GENDER = "Z"
    UNKNOWN = "X"

    @classmethod
    def parse(cls, code: str) -> Sex:
        try:
            return cls(code)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise ValueError(f"sex code must be one of {allowed}; got {code!r}") from None


class Race(StrEnum):
    """EBTS 2.025 RAC code list (EBTS 9.1 folds Latino into ``W``)."""

    ASIAN = "A"
    BLACK = "B"
    NATIVE_AMERICAN = "I"
    UNKNOWN = "U"
    WHITE = "W"

    @classmethod
    def parse(cls, code: str) -> Race:
        try:
            return cls(code)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise ValueError(f"race code must be one of {allowed}; got {code!r}") from None
