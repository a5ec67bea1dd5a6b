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
import mmap
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scomm.biometrics.enrolment import StoredTemplate, stored_template
from scomm.biometrics.index import (
    IndexParams,
    LshIndex,
    bucket_bits,
    build_table,
    index_scale,
    pack_postings,
    posting_width,
)
from scomm.biometrics.matcher import Comparator
from scomm.biometrics.mcc import MCC_VERSION
from scomm.biometrics.sketch import Sketches, sketch_stored
from scomm.biometrics.stored import blob_length, decode, score_stored
from scomm.biometrics.template import Template
from scomm.domain import FingerPosition

if TYPE_CHECKING:
    from scomm.biometrics.search import Candidate

FORMAT = "scomm-gallery"
FORMAT_VERSION = 2
"""2: compact templates (minutiae, set cells, known cells per spatial cell), keys per table."""
RECORD = np.dtype(
    [
        ("offset", "<i8"),
        ("count", "<u2"),
        ("subject", "<i4"),
        ("position", "u1"),
        ("live", "?"),
        ("width", "<u2"),
        ("height", "<u2"),
        ("ppi", "<u2"),
        ("quality", "u1"),
    ]
)
POSITIONS = 16
PENDING_SHARE = 0.05
"""Rebuild the index once the templates enrolled since the last build exceed this share."""
MIN_PENDING = 2000
BULK_SPILL = 20_000
"""During bulk enrolment, pending templates and keys go to disk every this many."""
SKETCH_ARRAYS = ("bits", "directions", "xy", "offsets")
"""``Sketches``' fields, in order: the arrays of ``sketch.npz``."""
SKETCH_CHUNK = 20_000
MAPPED_READ_BUDGET = 64 << 20
"""Template bytes a process reads through the map before it lets the pages go again."""


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
        self._names: dict[str, int] | None = None
        """Subject id -> number, built on first use (a search-only process never needs it)."""
        self._table = np.zeros(0, dtype=RECORD)
        self._count = 0
        """Records in use: ``_table`` grows by doubling, so bulk enrolment stays linear."""
        self._finger_table = np.full((0, POSITIONS), -1, dtype=np.int32)
        """Live templates: [subject number, finger position] -> record number, -1 for none."""
        self._live_subjects = 0
        self._live_templates = 0
        self._blob: npt.NDArray[np.uint8] = np.zeros(0, dtype=np.uint8)
        self._blob_map: mmap.mmap | None = None
        self._mapped_reads = 0
        """Template bytes read through ``_blob_map`` since its pages were last let go."""
        self._stored_bytes = 0
        """Bytes of ``templates.bin`` that belong to records (later ones are left-overs)."""
        self._key_rows = 0
        """Rows of keys on disk (``keys.owners`` and one ``keys.NN`` per table)."""
        self._pending_keys: list[tuple[int, npt.NDArray[np.uint32]]] = []
        self._pending_blobs: dict[int, bytes] = {}
        """Templates enrolled since they were last written, by record number (in order)."""
        self._blob_size = 0
        self._index: LshIndex | None = None
        self._sketches = Sketches.empty()
        """Sketches of the indexed templates (``sketch.Sketches``), in memory."""
        self._indexed = 0
        self._dirty = False
        self._bulk = False
        self.generation = 0
        """Bumped by every enrolment, deletion and index build (searchers cache masks by it)."""

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
        if meta.get("format") != FORMAT:
            raise GalleryError(f"{meta_path}: not a scomm gallery")
        if meta.get("version") != FORMAT_VERSION:
            raise GalleryError(
                f"{meta_path}: a version {meta.get('version')} scomm gallery; this engine reads "
                f"version {FORMAT_VERSION}: re-enrol the templates into a new gallery"
            )
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
        gallery._load(meta)
        return gallery

    def _load(self, meta: dict[str, object]) -> None:
        folder = self.path
        self._subjects = json.loads((folder / "subjects.json").read_text())
        self._table = np.load(folder / "records.npy")
        self._count = len(self._table)
        if self._table.dtype != RECORD:
            raise GalleryError(f"{folder / 'records.npy'}: unexpected record layout")
        records = self._records
        self._blob_size = self._stored_bytes = int(meta["stored_bytes"])  # type: ignore[call-overload]
        self._key_rows = int(meta["key_rows"])  # type: ignore[call-overload]
        self._map_templates()
        if self._blob.size < self._stored_bytes:
            raise GalleryError(
                f"{folder / 'templates.bin'}: {self._blob.size} bytes, its records need "
                f"{self._stored_bytes}"
            )
        self._finger_table = np.full((len(self._subjects), POSITIONS), -1, dtype=np.int32)
        live = np.flatnonzero(records["live"])
        self._finger_table[records["subject"][live], records["position"][live]] = live
        self._live_templates = int(live.size)
        self._live_subjects = int((self._finger_table >= 0).any(axis=1).sum())
        self._indexed = int(meta["indexed"])  # type: ignore[call-overload]
        if self._indexed and meta.get("posting_bytes") != posting_width(self._indexed):
            # an index of 32-bit postings (written before they took 3 bytes): the keys on disk
            # are unchanged, so the index is rebuilt from them, once
            self._rebuild_index()
            self.flush()
        elif self._indexed:
            self._index = LshIndex(
                self.params,
                np.load(folder / "index.bases.npy"),
                np.load(folder / "index.offsets.npy"),
                _map(folder / "index.postings", np.uint8, random_access=True),
                np.load(folder / "index.scale.npy"),
            )
            if self._index.size != self._indexed:
                self._rebuild_index()  # the index files outran the metadata (interrupted)
        self._sketch_indexed()

    def _map_templates(self) -> None:
        self._blob = _map(self.path / "templates.bin", np.uint8, random_access=True)
        self._blob_map = _mapping(self._blob)
        self._mapped_reads = 0

    def _release_pages(self, read: int) -> None:
        """Count ``read`` bytes read from the template map; past ``MAPPED_READ_BUDGET``, drop
        the map's pages from this process (the kernel keeps them cached; a later read maps
        them again). Otherwise every template a long-running searcher ever read would stay
        in its resident set: 600 candidates a search, ~9 KB each."""
        self._mapped_reads += read
        if self._mapped_reads > MAPPED_READ_BUDGET and self._blob_map is not None:
            if hasattr(mmap, "MADV_DONTNEED"):
                self._blob_map.madvise(mmap.MADV_DONTNEED)
            self._mapped_reads = 0

    def flush(self, index: bool = True) -> None:
        """Write pending enrolments and deletions; rebuild the index if it lags behind (unless
        ``index`` is false: bulk loaders index once at the end)."""
        if index and self._indexed != len(self._records):
            self._rebuild_index()
        self._spill()
        if not self._dirty:
            return
        folder = self.path
        _save(folder / "records.npy", self._records)
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
            "posting_bytes": posting_width(self._indexed),
            "stored_bytes": self._stored_bytes,
            "key_rows": self._key_rows,
            "thresholds": self.thresholds,
        }
        _atomic_write(folder / "gallery.json", json.dumps(meta, indent=2) + "\n")
        self._dirty = False

    def _spill(self) -> None:
        """Append pending templates and their index keys to the files (after what the records
        account for: left-overs of an interrupted write are overwritten)."""
        folder = self.path
        if self._pending_blobs:
            with open(folder / "templates.bin", "ab") as out:
                out.truncate(self._stored_bytes)
                out.seek(self._stored_bytes)
                for blob in self._pending_blobs.values():
                    out.write(blob)
                    self._stored_bytes += len(blob)
            self._pending_blobs = {}
            self._map_templates()
            self._dirty = True
        if self._pending_keys:
            owners = np.concatenate(
                [np.full(len(k), n, dtype=np.int32) for n, k in self._pending_keys]
            )
            stored = np.concatenate([k for _, k in self._pending_keys])
            _append(folder / "keys.owners", self._key_rows, owners)
            for t in range(self.params.tables):
                _append(folder / f"keys.{t:02d}", self._key_rows, stored[:, t])
            self._key_rows += len(owners)
            self._pending_keys = []
            self._dirty = True
        (folder / "templates.bin").touch()

    def close(self) -> None:
        self.flush()
        self._blob = np.zeros(0, dtype=np.uint8)
        self._blob_map = None
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

    @contextmanager
    def bulk_enrolment(self, sketcher: Sketcher | None = None) -> Iterator[Gallery]:
        """Enrol many subjects with one index build at the end (instead of one each time the
        pending share is passed); pending data goes to disk every ``BULK_SPILL`` templates.

        ``sketcher``, when given, sketches the new templates elsewhere (other processes) while
        this one builds the index's tables: it gets ``SketchWork`` in template order and gives
        back their ``Sketches`` lazily, in the same order (``Executor.map`` of
        ``sketch_work``). The gallery is the same as when it sketches them itself."""
        self._bulk = True
        try:
            yield self
        finally:
            self._bulk = False
        unsketched = self._sketches.count != self._indexed  # (never, once opened or built)
        if sketcher is None or unsketched or self._indexed == len(self._records):
            self.flush()
            return
        self._spill()
        self._rebuild_index(sketcher(self._sketch_work()))
        self.flush()

    def _sketch_work(self) -> list[SketchWork]:
        """The written templates not yet sketched, in chunks of ``SKETCH_CHUNK``."""
        records, start = self._records, self._sketches.count
        return [
            SketchWork(
                self.path / "templates.bin",
                np.array(records["offset"][at : at + SKETCH_CHUNK], dtype=np.int64),
                np.array(records["count"][at : at + SKETCH_CHUNK], dtype=np.int64),
                self.params.min_set_cells,
            )
            for at in range(start, len(records), SKETCH_CHUNK)
        ]

    def enrol(
        self, subject_id: str, fingers: Mapping[FingerPosition, Template | StoredTemplate]
    ) -> None:
        """Add (or replace) the given fingers of a subject: templates, or their stored forms
        made for this position and this gallery's index parameters (``stored_template``)."""
        if not subject_id:
            raise ValueError("subject id must be a non-empty string")
        if not fingers:
            raise ValueError(f"subject {subject_id!r}: no fingers to enrol")
        forms = {
            pos: self._stored(template, pos)
            for pos, template in ((int(FingerPosition(p)), t) for p, t in fingers.items())
        }
        names = self._name_index()
        subject = names.get(subject_id)
        if subject is None:
            subject = len(self._subjects)
            self._subjects.append(subject_id)
            names[subject_id] = subject
            if subject >= len(self._finger_table):
                wider = np.full((max(64, 2 * subject), POSITIONS), -1, dtype=np.int32)
                wider[: len(self._finger_table)] = self._finger_table
                self._finger_table = wider
        row = self._finger_table[subject]
        if not (row >= 0).any():
            self._live_subjects += 1
        new = np.zeros(len(forms), dtype=RECORD)
        for i, (pos, stored) in enumerate(sorted(forms.items())):
            old = int(row[pos])
            if old >= 0:
                self._records["live"][old] = False
                self._live_templates -= 1
            number = len(self._records) + i
            new[i] = (self._blob_size, stored.count, subject, pos, True, *stored.size)
            self._blob_size += len(stored.blob)
            self._pending_blobs[number] = stored.blob
            row[pos] = number
            self._live_templates += 1
            self._pending_keys.append((number, stored.keys))
        if self._count + len(new) > len(self._table):
            grown = np.zeros(max(2 * len(self._table), self._count + len(new), 64), dtype=RECORD)
            grown[: self._count] = self._records
            self._table = grown
        self._table[self._count : self._count + len(new)] = new
        self._count += len(new)
        self._dirty = True
        self.generation += 1
        if self._bulk:
            if len(self._pending_blobs) >= BULK_SPILL:
                self.flush(index=False)
        elif len(self._records) - self._indexed > max(MIN_PENDING, PENDING_SHARE * self._indexed):
            self._rebuild_index()

    def _stored(self, template: Template | StoredTemplate, position: int) -> StoredTemplate:
        if not isinstance(template, StoredTemplate):
            return stored_template(template, position, self.params)
        if template.position != position or template.params != self.params:
            raise ValueError(
                f"a stored form made for position {template.position} and {template.params} "
                f"given for position {position} of a gallery indexed with {self.params}"
            )
        return template

    def delete(self, subject_id: str) -> bool:
        """Remove a subject from all future results; False if it was not enrolled."""
        subject = self._name_index().get(subject_id)
        if subject is None:
            return False
        row = self._finger_table[subject]
        numbers = row[row >= 0]
        if not numbers.size:
            return False
        self._records["live"][numbers] = False
        self._live_templates -= int(numbers.size)
        self._live_subjects -= 1
        row[:] = -1
        self._dirty = True
        self.generation += 1
        return True

    def _rebuild_index(self, sketched: Iterable[Sketches] = ()) -> None:
        """Index every template written so far, one table at a time from the stored keys
        (``sketched``: the sketches of the templates after those sketched, made elsewhere)."""
        self._spill()
        folder = self.path
        size = len(self._records)
        owners = _map(folder / "keys.owners", np.int32)[: self._key_rows]
        log_buckets = bucket_bits(self._key_rows)
        offsets = np.zeros((self.params.tables, (1 << log_buckets) + 1), dtype=np.uint32)
        bases = np.zeros(self.params.tables, dtype=np.int64)
        width = posting_width(size)
        tmp = folder / "index.postings.tmp"
        with open(tmp, "wb") as out:
            for t in range(self.params.tables):
                keys = _map(folder / f"keys.{t:02d}", np.uint32)[: self._key_rows]
                offsets[t], postings = build_table(owners, np.asarray(keys), log_buckets)
                bases[t] = out.tell() // width
                out.write(pack_postings(postings, width).tobytes())
        scale = index_scale(np.asarray(owners), size)
        _save(folder / "index.offsets.npy", offsets)
        _save(folder / "index.bases.npy", bases)
        _save(folder / "index.scale.npy", scale)
        os.replace(tmp, folder / "index.postings")
        postings_map = _map(folder / "index.postings", np.uint8, random_access=True)
        self._index = LshIndex(self.params, bases, offsets, postings_map, scale)
        self._indexed = size
        self._sketch_indexed(sketched)
        self._dirty = True
        self.generation += 1

    def _sketch_indexed(self, sketched: Iterable[Sketches] = ()) -> None:
        """Sketch the indexed templates not yet sketched (all of them in a gallery written
        before sketches: once, on open), reading them from ``templates.bin`` in order, and
        save the sketches (``sketch.npz``) when they grew. ``sketched``: the next templates'
        sketches, made elsewhere (``SketchWork``)."""
        path = self.path / "sketch.npz"
        if self._sketches.count == 0 and path.exists():
            with np.load(path) as stored:
                loaded = Sketches(*(stored[k] for k in SKETCH_ARRAYS))
            # records are never rewritten: sketches beyond the index (an interrupted write)
            # are dropped, the rest stay good
            self._sketches = loaded.prefix(min(loaded.count, self._indexed))
        parts, records = [self._sketches, *sketched], self._records
        done = sum(part.count for part in parts)
        if done > self._indexed:
            raise GalleryError(f"{self.path}: {done} templates sketched, {self._indexed} indexed")
        if done == self._indexed and len(parts) == 1:
            return
        blob, min_set = np.asarray(self._blob), self.params.min_set_cells
        for start in range(done, self._indexed, SKETCH_CHUNK):
            chunk = records[start : min(start + SKETCH_CHUNK, self._indexed)]
            parts.append(sketch_stored(blob, chunk["offset"], chunk["count"], min_set))
            self._release_pages(blob_length(1) * int(chunk["count"].sum()))
        self._sketches = Sketches.joined(parts)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")  # processes opening it at once
        np.savez(tmp, **{name: getattr(self._sketches, name) for name in SKETCH_ARRAYS})
        os.replace(tmp, path)

    @property
    def _records(self) -> npt.NDArray[np.void]:
        return self._table[: self._count]

    def _name_index(self) -> dict[str, int]:
        if self._names is None:
            self._names = {s: i for i, s in enumerate(self._subjects)}
        return self._names

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

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        """Enrolled subjects."""
        return self._live_subjects

    def __contains__(self, subject_id: object) -> bool:
        subject = self._name_index().get(str(subject_id))
        return subject is not None and bool((self._finger_table[subject] >= 0).any())

    @property
    def template_count(self) -> int:
        return self._live_templates

    def subjects(self) -> Iterator[str]:
        live = np.flatnonzero((self._finger_table[: len(self._subjects)] >= 0).any(axis=1))
        return (self._subjects[s] for s in live)

    def fingers(self, subject_id: str) -> dict[FingerPosition, Template]:
        subject = self._name_index().get(subject_id)
        if subject is None:
            return {}
        row = self._finger_table[subject]
        return {
            FingerPosition(int(p)): self.template_at(int(row[p])) for p in np.flatnonzero(row >= 0)
        }

    def template_at(self, number: int) -> Template:
        """The template with record number ``number`` (read from the memory map)."""
        rec = self._records[number]
        size = (int(rec["width"]), int(rec["height"]), int(rec["ppi"]), int(rec["quality"]))
        pending = self._pending_blobs.get(number)
        if pending is not None:
            return decode(pending, int(rec["count"]), *size)
        start = int(rec["offset"])
        end = start + blob_length(int(rec["count"]))
        if end > self._blob.size:
            raise GalleryError(f"{self.path}: template {number} lies past the end of the file")
        return decode(self._blob[start:end], int(rec["count"]), *size)

    def score(
        self, comparator: Comparator, probe: Template, numbers: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """``comparator.compare(probe, template_at(n))`` for each record number ``n``: templates
        on disk in one compiled pass over the memory map, unwritten ones one by one."""
        numbers = np.asarray(numbers, dtype=np.int64)
        scores = np.zeros(numbers.size, dtype=np.float64)
        written = numbers < self._first_pending()
        rec = self._records[numbers[written]]
        scores[written] = score_stored(
            comparator, probe, np.asarray(self._blob), rec["offset"], rec["count"]
        )
        self._release_pages(blob_length(1) * int(rec["count"].sum()))
        for i in np.flatnonzero(~written):
            scores[i] = comparator.compare(probe, self.template_at(int(numbers[i])))
        return scores

    def _first_pending(self) -> int:
        """Records from this number on are not yet in ``templates.bin``."""
        return next(iter(self._pending_blobs), len(self._records))

    def subject_numbers(self) -> npt.NDArray[np.int32]:
        """Each record's subject number (see ``subject_name``)."""
        return np.asarray(self._records["subject"])

    @property
    def subject_slots(self) -> int:
        """Subject numbers run 0..subject_slots-1 (deleted subjects keep theirs)."""
        return len(self._subjects)

    def subject_name(self, subject: int) -> str:
        return self._subjects[subject]

    def number_at(self, subject: int, position: int) -> int | None:
        """The live record of subject number ``subject``'s finger, if enrolled."""
        number = int(self._finger_table[subject, position])
        return number if number >= 0 else None

    def finger_numbers(
        self, subjects: npt.NDArray[np.int64], position: int
    ) -> npt.NDArray[np.int32]:
        """The live records of these subjects' finger ``position`` (-1 where none)."""
        numbers: npt.NDArray[np.int32] = self._finger_table[subjects, position]
        return numbers

    def subject_of(self, number: int) -> str:
        return self._subjects[int(self._records["subject"][number])]

    def number_of(self, subject_id: str, position: int) -> int | None:
        subject = self._name_index().get(subject_id)
        return None if subject is None else self.number_at(subject, position)

    def live_mask(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self._records["live"])

    def positions(self) -> npt.NDArray[np.uint8]:
        return np.asarray(self._records["position"])

    @property
    def index(self) -> LshIndex | None:
        return self._index

    @property
    def sketches(self) -> Sketches:
        """Sketches of templates 0..indexed-1 (see ``sketch.sketch_scores``)."""
        return self._sketches

    @property
    def indexed(self) -> int:
        """Templates numbered below this are in the index; later ones are searched directly."""
        return self._indexed


@dataclass(frozen=True)
class SketchWork:
    """Written templates to sketch in another process: where they start in the template file
    and how many minutiae each has (``sketch_work`` does it)."""

    templates: Path
    offsets: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    min_set_cells: int


Sketcher = Callable[[list[SketchWork]], Iterable[Sketches]]


def sketch_work(work: SketchWork) -> Sketches:
    """The sketches of ``work``'s templates, as the gallery would make them itself."""
    blob = _map(work.templates, np.uint8)
    return sketch_stored(blob, work.offsets, work.counts, work.min_set_cells)


def _map(path: Path, dtype: type[np.generic], random_access: bool = False) -> npt.NDArray[Any]:
    """A raw file as a read-only memory-mapped array (empty when the file is). With
    ``random_access`` the kernel is told not to read ahead: a search reads scattered 9 KB
    templates and 32-byte buckets, and read-ahead around them (128 KB by default) would fill
    the process's resident set with pages nobody asked for."""
    if not path.exists() or path.stat().st_size == 0:
        return np.zeros(0, dtype=dtype)
    with open(path, "rb") as f:
        view = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if random_access and hasattr(mmap, "MADV_RANDOM"):
        view.madvise(mmap.MADV_RANDOM)
    return np.frombuffer(view, dtype=dtype)


def _mapping(array: npt.NDArray[Any]) -> mmap.mmap | None:
    """The mmap under an array made by ``_map`` (None for an empty file's array)."""
    base = array.base.obj if isinstance(array.base, memoryview) else array.base
    return base if isinstance(base, mmap.mmap) else None


def _append(path: Path, at: int, values: npt.NDArray[np.generic]) -> None:
    """Write ``values`` after the first ``at`` items of a raw file (dropping any beyond)."""
    with open(path, "ab") as out:
        out.truncate(at * values.itemsize)
        out.write(np.ascontiguousarray(values).tobytes())


def _save(path: Path, array: npt.NDArray[np.generic]) -> None:
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, np.asarray(array))
    os.replace(tmp, path)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
