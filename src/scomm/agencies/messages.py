"""Reading the messages the agencies exchange, once per process.

A booking's CAR is read by CJIS and again by IDENT; a disposition by the LEA and the state
bureau (its conviction), then CJIS and IDENT; an IAR by the field office and the agency's
inbox. The bytes do not change on
the way (every hop forwards them or builds new ones), so what was read from them is kept for
the next stage this process handles: parsing costs more than everything else a stage does in
``oracle`` mode. The values are immutable (``Transaction``, ``CarFacts``) or read-only
(``FingerImages``), so sharing them between stages changes nothing a stage can see. A
malformed message is not kept: its error is raised again each time.
"""

from __future__ import annotations

from functools import lru_cache

from scomm.ebts import (
    CarFacts,
    CourtDisposition,
    EbtsError,
    FingerImages,
    Transaction,
    finger_images,
    parse,
    read_car_facts,
    read_conviction,
)
from scomm.ebts.car import conviction_in

KEPT = 4096
"""Messages kept per process: more than a batch of a stage (the gap between two stages reading
the same bytes); about 15 KB each (a parsed oracle CAR with its facts), so about 60 MB."""


@lru_cache(maxsize=KEPT)
def parsed(payload: bytes) -> Transaction:
    """``scomm.ebts.parse(payload)``, remembered."""
    return parse(payload)


@lru_cache(maxsize=KEPT)
def car_facts(payload: bytes) -> CarFacts:
    """``read_car_facts`` of the CAR (or disposition) ``payload``, remembered."""
    return read_car_facts(parsed(payload))


@lru_cache(maxsize=KEPT)
def car_images(payload: bytes) -> FingerImages:
    """``finger_images`` of the CAR ``payload``, remembered (read-only: each image is
    described once, when a stage first asks for it)."""
    return finger_images(parsed(payload))


@lru_cache(maxsize=KEPT)
def conviction(payload: bytes) -> CourtDisposition | None:
    """``read_conviction`` of a disposition ``payload``, remembered. Read from the parsed
    message (CJIS parses it whole on the next hops, in this process, so that costs nothing
    more); a message that does not parse whole is read from its text records only, as the
    hops that forward it need no more (its images are CJIS's to refuse)."""
    try:
        tx = parsed(payload)
    except EbtsError:
        return read_conviction(payload)
    records = tx.records
    return conviction_in(tx.header, records[1] if len(records) > 1 else None)
