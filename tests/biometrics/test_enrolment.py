"""Stored forms made before enrolment (the demo's pool workers) enrol as their templates do."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from scomm.biometrics import Gallery, Template, minutiae_template
from scomm.biometrics.enrolment import stored_template
from scomm.biometrics.index import IndexParams
from scomm.biometrics.stored import encode
from scomm.biometrics.synthetic.templates import synthesize_master_template, template_impression
from scomm.domain import FingerPosition as F


def _template(identity: int, finger: F) -> Template:
    master = synthesize_master_template(6, identity, int(finger))
    return minutiae_template(template_impression(master, 0))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_stored_forms_from_elsewhere_make_the_same_gallery_files(tmp_path: Path) -> None:
    people = {
        f"P{i}": {f: _template(i, f) for f in (F.RIGHT_THUMB, F.RIGHT_INDEX, F.LEFT_INDEX)}
        for i in range(6)
    }
    with Gallery.open(tmp_path / "templates") as gallery:
        for subject, fingers in people.items():
            gallery.enrol(subject, fingers)
    with Gallery.open(tmp_path / "stored") as gallery:
        for subject, fingers in people.items():
            # as a worker hands them over: pickled, so no cache is shared with the templates
            forms = {f: stored_template(t, int(f), gallery.params) for f, t in fingers.items()}
            gallery.enrol(subject, pickle.loads(pickle.dumps(forms)))
    assert _files(tmp_path / "templates") == _files(tmp_path / "stored")


def test_a_stored_form_holds_the_encoded_template_and_read_only_keys() -> None:
    template = _template(1, F.LEFT_THUMB)
    stored = pickle.loads(pickle.dumps(stored_template(template, 6, IndexParams())))
    assert stored.blob == encode(template) and stored.count == len(template)
    assert stored.size == (template.width, template.height, template.ppi, template.quality)
    assert not stored.keys.flags.writeable and stored.keys.dtype == np.uint32


def test_a_stored_form_for_another_finger_or_index_is_refused(tmp_path: Path) -> None:
    template = _template(2, F.RIGHT_INDEX)
    with Gallery.open(tmp_path / "g") as gallery:
        elsewhere = stored_template(template, int(F.RIGHT_INDEX), IndexParams(tables=8))
        with pytest.raises(ValueError, match="indexed with"):
            gallery.enrol("A", {F.RIGHT_INDEX: elsewhere})
        other_finger = stored_template(template, int(F.LEFT_INDEX), gallery.params)
        with pytest.raises(ValueError, match="position"):
            gallery.enrol("A", {F.RIGHT_INDEX: other_finger})
        assert len(gallery) == 0
