"""A persistent gallery of enrolled fingers: subject id, finger position, template.

On disk a gallery is a folder. Templates are appended to ``templates.bin`` in their own binary
form (with cylinders, so comparison never rebuilds them); a record table says where each one
starts, whose it is, which finger and whether it was deleted. The index (``index.py``) is
stored beside them. Opening a gallery memory-maps the templates and the index: nothing is read
until a search touches it, and a search reads only its candidates' pages.

Enrolments after the last index build wait in a short pending list that searches compare
exhaustively; the index is rebuilt when that list grows past a fraction of the gallery, and on
``flush``/``close``. A deleted subject's templates are masked at once and dropped from the
files at the next ``compact``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from scomm.biometrics.index import NO_KEY, IndexParams, LshIndex, cylinder_keys
from scomm.biometrics.mcc import MCC_VERSION
from scomm.biometrics.template import Template, TemplateError
from scomm.domain import FingerPosition

if TYPE_CHECKING:
    from scomm.biometrics.search import Candidate

FORMAT = "scomm-gallery"
FORMAT_VERSION = 1
RECORD = np.dtype(
    [("offset", "<i8"), ("length", "<i4"), ("subject", "<i4"), ("position", "u1"), ("live", "?")]
)
PENDING_SHARE = 0.05
"""Rebuild the index once the templates enrolled since the last build exceed this share."""
MIN_PENDING = 2000
_STORED_NO_KEY = 0xFFFFFFFF


class GalleryError(ValueError):
    """A gallery folder is missing, damaged, or from an incompatible version."""


class Gallery:
    """Enrolled subjects' fingers, searchable 1:N (see ``scomm.biometrics.search``)."""

    def __init__(
        self, path: Path, params: IndexParams, thresholds: dict[str, tuple[float, int]]
    ) -> None:
        self.path = path
        self.params = params
        self.thresholds = thresholds
        """Calibrated decision thresholds, keyed ``"<fingers>@<fpir>"``, with the number of
        templates the gallery held when calibrated (see ``search.decision_threshold``)."""
        self._subjects: list[str] = []
        self._subject_index: dict[str, int] = {}
        self._table = np.zeros(0, dtype=RECORD)
        self._count = 0
        """Records in use: ``_table`` grows by doubling, so bulk enrolment stays linear."""
        self._fingers: dict[int, dict[int, int]] = {}
        """Live templates: subject number -> finger position -> record number."""
        self._blob: np.memmap | npt.NDArray[np.uint8] = np.zeros(0, dtype=np.uint8)
        self._keys = np.zeros((0, params.tables), dtype=np.uint32)
        """Every indexed cylinder's LSH keys (``NO_KEY`` stored as 2**32 - 1), for rebuilds."""
        self._key_owner = np.zeros(0, dtype=np.int32)
        self._pending_keys: list[tuple[int, npt.NDArray[np.int64]]] = []
        self._pending_blobs: dict[int, bytes] = {}
        """Templates enrolled since the last flush, by record number (in enrolment order)."""
        self._blob_size = 0
        self._index: LshIndex | None = None
        self._indexed = 0
        self._dirty = False

    # -- opening and saving ------------------------------------------------------------------

    @staticmethod
    def open(path: str | os.PathLike[str], params: IndexParams | None = None) -> Gallery:
        """Open the gallery in folder ``path``, creating an empty one if there is none."""
        folder = Path(path)
        meta_path = folder / "gallery.json"
        if not meta_path.exists():
            if folder.exists() and any(folder.iterdir()):
                raise GalleryError(f"{folder}: not empty and not a gallery (no gallery.json)")
            folder.mkdir(parents=True, exist_ok=True)
            gallery = Gallery(folder, params or IndexParams(), {})
            gallery._dirty = True
            gallery.flush()
            return gallery
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise GalleryError(f"{meta_path}: unreadable ({exc})") from exc
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise GalleryError(f"{meta_path}: not a version {FORMAT_VERSION} scomm gallery")
        if meta.get("mcc_version") != MCC_VERSION:
            # The index hashes the cylinders: cylinders of another MCC version would neither
            # hash nor compare like the probe's. The templates' minutiae are still good.
            raise GalleryError(
                f"{meta_path}: built with MCC version {meta.get('mcc_version')}, this engine "
                f"uses {MCC_VERSION}; re-enrol the templates into a new gallery"
            )
        stored = IndexParams(**meta["index"])
        thresholds = {str(k): (float(v[0]), int(v[1])) for k, v in meta["thresholds"].items()}
        gallery = Gallery(folder, stored, thresholds)
        gallery._load()
        return gallery

    def _load(self) -> None:
        folder = self.path
        self._subjects = json.loads((folder / "subjects.json").read_text())
        self._subject_index = {s: i for i, s in enumerate(self._subjects)}
        self._table = np.load(folder / "records.npy")
        self._count = len(self._table)
        if self._table.dtype != RECORD:
            raise GalleryError(f"{folder / 'records.npy'}: unexpected record layout")
        size = os.path.getsize(folder / "templates.bin")
        self._blob_size = size
        self._blob = (
            np.memmap(folder / "templates.bin", dtype=np.uint8, mode="r")
            if size
            else np.zeros(0, dtype=np.uint8)
        )
        ends = self._records["offset"] + self._records["length"]
        if ends.size and int(ends.max()) > size:
            raise GalleryError(f"{folder / 'templates.bin'}: shorter than its records ({size})")
        for number in np.flatnonzero(self._records["live"]):
            rec = self._records[number]
            self._fingers.setdefault(int(rec["subject"]), {})[int(rec["position"])] = int(number)
        self._keys = np.load(folder / "keys.npy", mmap_mode="r")
        self._key_owner = np.load(folder / "owners.npy", mmap_mode="r")
        self._indexed = int(json.loads((folder / "gallery.json").read_text())["indexed"])
        if self._indexed:
            self._index = LshIndex(
                self.params,
                np.load(folder / "index_bases.npy"),
                np.load(folder / "index_offsets.npy", mmap_mode="r"),
                np.load(folder / "index_postings.npy", mmap_mode="r"),
                np.load(folder / "index_scale.npy"),
            )

    def flush(self) -> None:
        """Write pending enrolments and deletions; rebuild the index if it lags behind."""
        if self._pending_keys or self._indexed != len(self._records):
            self._rebuild_index()
        if not self._dirty:
            return
        folder = self.path
        if self._pending_blobs:
            with open(folder / "templates.bin", "ab") as out:
                for blob in self._pending_blobs.values():
                    out.write(blob)
            self._pending_blobs = {}
        (folder / "templates.bin").touch()
        size = os.path.getsize(folder / "templates.bin")
        self._blob = (
            np.memmap(folder / "templates.bin", dtype=np.uint8, mode="r")
            if size
            else np.zeros(0, dtype=np.uint8)
        )
        _save(folder / "records.npy", self._records)
        _save(folder / "keys.npy", self._keys)
        _save(folder / "owners.npy", self._key_owner)
        if self._index is not None:
            _save(folder / "index_bases.npy", self._index.bases)
            _save(folder / "index_offsets.npy", self._index.offsets)
            _save(folder / "index_postings.npy", self._index.postings)
            _save(folder / "index_scale.npy", self._index.scale)
        (folder / "subjects.json").write_text(json.dumps(self._subjects))
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "mcc_version": MCC_VERSION,
            "index": {
                "tables": self.params.tables,
                "hashes": self.params.hashes,
                "min_set_cells": self.params.min_set_cells,
                "seed": self.params.seed,
            },
            "indexed": self._indexed,
            "thresholds": self.thresholds,
        }
        _atomic_write(folder / "gallery.json", json.dumps(meta, indent=2) + "\n")
        self._dirty = False

    def close(self) -> None:
        self.flush()
        self._blob = np.zeros(0, dtype=np.uint8)
        self._index = None

    def __enter__(self) -> Gallery:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- enrolment ---------------------------------------------------------------------------

    def enrol(self, subject_id: str, fingers: Mapping[FingerPosition, Template]) -> None:
        """Add (or replace) the given fingers of a subject."""
        if not subject_id:
            raise ValueError("subject id must be a non-empty string")
        if not fingers:
            raise ValueError(f"subject {subject_id!r}: no fingers to enrol")
        subject = self._subject_index.get(subject_id)
        if subject is None:
            subject = len(self._subjects)
            self._subjects.append(subject_id)
            self._subject_index[subject_id] = subject
        new = np.zeros(len(fingers), dtype=RECORD)
        enrolled = self._fingers.setdefault(subject, {})
        for row, (position, template) in enumerate(sorted(fingers.items())):
            pos = int(FingerPosition(position))
            old = enrolled.get(pos)
            if old is not None:
                self._records["live"][old] = False
            blob = template.to_bytes()
            number = len(self._records) + row
            new[row] = (self._blob_size, len(blob), subject, pos, True)
            self._blob_size += len(blob)
            self._pending_blobs[number] = blob
            enrolled[pos] = number
            self._pending_keys.append((number, cylinder_keys(template, pos, self.params)))
        if self._count + len(new) > len(self._table):
            grown = np.zeros(max(2 * len(self._table), self._count + len(new), 64), dtype=RECORD)
            grown[: self._count] = self._records
            self._table = grown
        self._table[self._count : self._count + len(new)] = new
        self._count += len(new)
        self._dirty = True
        if len(self._records) - self._indexed > max(MIN_PENDING, PENDING_SHARE * self._indexed):
            self._rebuild_index()

    def delete(self, subject_id: str) -> bool:
        """Remove a subject from all future results; False if it was not enrolled."""
        subject = self._subject_index.get(subject_id)
        if subject is None or subject not in self._fingers:
            return False
        numbers = list(self._fingers.pop(subject).values())
        self._records["live"][numbers] = False
        self._dirty = True
        return True

    def _rebuild_index(self) -> None:
        if self._pending_keys:
            owners = [np.full(len(k), n, dtype=np.int32) for n, k in self._pending_keys]
            stored = [np.where(k == NO_KEY, _STORED_NO_KEY, k) for _, k in self._pending_keys]
            self._keys = np.concatenate([self._keys, *stored]).astype(np.uint32)
            self._key_owner = np.concatenate([self._key_owner, *owners])
            self._pending_keys = []
        keys = np.asarray(self._keys).astype(np.int64)
        keys[keys == _STORED_NO_KEY] = NO_KEY
        self._index = LshIndex.build(
            np.asarray(self._key_owner).astype(np.int64), keys, len(self._records), self.params
        )
        self._indexed = len(self._records)
        self._dirty = True

    @property
    def _records(self) -> npt.NDArray[np.void]:
        return self._table[: self._count]

    def mark_changed(self) -> None:
        """Something outside (a calibrated threshold) changed: save it at the next flush."""
        self._dirty = True

    # -- searching ---------------------------------------------------------------------------

    def search(self, probe: Mapping[FingerPosition, Template], top_k: int = 10) -> list[Candidate]:
        """Ranked candidates for a probe's templates by finger (see ``search.Searcher``)."""
        from scomm.biometrics.search import Searcher

        return Searcher(self).search(probe, top_k)

    def threshold(self, positions: Iterable[FingerPosition], fpir: float = 0.01) -> float:
        """Decision threshold for probes of these fingers at ``fpir`` (calibrated once)."""
        from scomm.biometrics.search import decision_threshold

        return decision_threshold(self, positions, fpir)

    # -- reading -----------------------------------------------------------------------------

    def __len__(self) -> int:
        """Enrolled subjects."""
        return len(self._fingers)

    def __contains__(self, subject_id: object) -> bool:
        subject = self._subject_index.get(str(subject_id))
        return subject is not None and subject in self._fingers

    @property
    def template_count(self) -> int:
        return sum(len(f) for f in self._fingers.values())

    def subjects(self) -> Iterator[str]:
        return (self._subjects[s] for s in sorted(self._fingers))

    def fingers(self, subject_id: str) -> dict[FingerPosition, Template]:
        subject = self._subject_index.get(subject_id)
        enrolled = self._fingers.get(subject, {}) if subject is not None else {}
        return {FingerPosition(pos): self.template_at(n) for pos, n in enrolled.items()}

    def template_at(self, number: int) -> Template:
        """The template with record number ``number`` (read from the memory map)."""
        rec = self._records[number]
        start, length = int(rec["offset"]), int(rec["length"])
        pending = self._pending_blobs.get(number)
        blob = pending if pending is not None else bytes(self._blob[start : start + length])
        try:
            return Template.from_bytes(blob)
        except TemplateError as exc:
            raise GalleryError(f"{self.path}: template {number} is damaged: {exc}") from exc

    def subject_numbers(self) -> npt.NDArray[np.int32]:
        """Each record's subject number (see ``subject_name``)."""
        return np.asarray(self._records["subject"])

    def subject_name(self, subject: int) -> str:
        return self._subjects[subject]

    def number_at(self, subject: int, position: int) -> int | None:
        """The live record of subject number ``subject``'s finger, if enrolled."""
        return self._fingers.get(subject, {}).get(position)

    def subject_of(self, number: int) -> str:
        return self._subjects[int(self._records["subject"][number])]

    def number_of(self, subject_id: str, position: int) -> int | None:
        subject = self._subject_index.get(subject_id)
        return None if subject is None else self._fingers.get(subject, {}).get(position)

    def live_mask(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self._records["live"])

    def positions(self) -> npt.NDArray[np.uint8]:
        return np.asarray(self._records["position"])

    @property
    def index(self) -> LshIndex | None:
        return self._index

    @property
    def indexed(self) -> int:
        """Templates numbered below this are in the index; later ones are searched directly."""
        return self._indexed


def _save(path: Path, array: npt.NDArray[np.generic]) -> None:
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, np.asarray(array))
    os.replace(tmp, path)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
