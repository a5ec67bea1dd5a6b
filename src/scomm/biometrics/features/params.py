"""JSON-serialisable stage parameters, so a run's configuration can be stored beside its results."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Self


class StageParams:
    """Mixin for frozen dataclasses of plain numbers: ``to_json`` / ``from_json`` round-trip."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload,no-any-return]

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown parameter(s) {sorted(unknown)}")
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> Self:
        values = json.loads(text)
        if not isinstance(values, dict):
            raise ValueError(f"{cls.__name__}: JSON parameters must be an object")
        return cls.from_dict(values)
