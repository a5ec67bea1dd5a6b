"""What a gallery keeps of an enrolled template: its stored bytes and its index keys.

Both are worked out from the template alone (and the finger position and index parameters),
so they can be made where the template is made: the demo's pool workers hand them over ready,
and the process that enrols them only appends (``Gallery.enrol`` takes either form). A template
enrolled in two galleries (the demo's index fingers, at CJIS and IDENT) is encoded and keyed once.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scomm.biometrics.index import NO_KEY, STORED_NO_KEY, IndexParams, cylinder_keys
from scomm.biometrics.stored import encode
from scomm.biometrics.template import Template


@dataclass(frozen=True, eq=False)
class StoredTemplate:
    """A template as a gallery stores it for finger ``position`` under ``params``.

    ``blob`` is ``stored.encode(template)``, ``keys`` its cylinders' index keys as the key files
    hold them (uint32, ``STORED_NO_KEY`` for none; read-only), ``count`` its minutiae and
    ``size`` its (width, height, ppi, quality): the record's fields."""

    blob: bytes
    keys: npt.NDArray[np.uint32]
    count: int
    size: tuple[int, int, int, int]
    position: int
    params: IndexParams

    def __post_init__(self) -> None:
        self.keys.flags.writeable = False

    def __reduce__(self) -> tuple[type[StoredTemplate], tuple[object, ...]]:
        # unpickled through __init__, so that the copy's keys are read-only too
        fields = (self.blob, self.keys, self.count, self.size, self.position, self.params)
        return StoredTemplate, fields


_MADE: weakref.WeakKeyDictionary[
    Template, tuple[bytes, dict[tuple[int, IndexParams], StoredTemplate]]
] = weakref.WeakKeyDictionary()
"""Each live template's stored bytes, and its stored forms per (position, parameters), made
once; entries go with their templates."""


def stored_template(template: Template, position: int, params: IndexParams) -> StoredTemplate:
    """``template``'s stored form for finger ``position`` under ``params`` (made once)."""
    entry = _MADE.get(template)
    if entry is None:
        entry = (encode(template), {})
        _MADE[template] = entry
    stored = entry[1].get((position, params))
    if stored is None:
        keys = cylinder_keys(template, position, params)
        stored_keys = np.where(keys == NO_KEY, STORED_NO_KEY, keys).astype(np.uint32)
        size = (template.width, template.height, template.ppi, template.quality)
        stored = StoredTemplate(entry[0], stored_keys, len(template), size, position, params)
        entry[1][(position, params)] = stored
    return stored
