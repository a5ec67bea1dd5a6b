"""SRE, ERRT and scomm's IAQ / IAR / detainer: built, encoded, read back, valid."""

from __future__ import annotations

import datetime as dt

import pytest

from scomm.domain import CriminalLevel, Race, Sex
from scomm.ebts import (
    FBI_CJIS_ORI,
    LESC_ORI,
    CarFacts,
    Detainer,
    DetainerAction,
    EbtsError,
    Envelope,
    ErrorResponse,
    ImmigrationQuery,
    ImmigrationResponse,
    ImmigrationStatus,
    SearchResult,
    Subject,
    build_detainer,
    build_errt,
    build_iaq,
    build_iar,
    build_sre,
    parse,
    read_detainer,
    read_errt,
    read_iaq,
    read_iar,
    read_sre,
    validate,
)
from scomm.ebts.car import read_car_facts
from scomm.ebts.responses import fit_messages, reject
from scomm.ebts.transaction import Transaction

AT = dt.datetime(2011, 6, 1, 14, 5, 9, tzinfo=dt.UTC)
SUBJECT = Subject("GARCIA", "JOSE LUIS", dt.date(1985, 2, 3), Sex.MALE, Race.WHITE, "MX")


def round_trip(tx: Transaction) -> Transaction:
    assert validate(tx) == [], [v.describe() for v in validate(tx)]
    return parse(tx.to_bytes())


def car_facts() -> CarFacts:
    from scomm.domain import Charge

    envelope = Envelope("TX1010000-20110601-0000000001", "TX1010000", FBI_CJIS_ORI, AT)
    return CarFacts(envelope, SUBJECT, "TX1010000", AT.date(), (Charge.of("3599"),))


def test_sre_answers_the_car() -> None:
    result = SearchResult.answering(
        car_facts(), tcn="WVIAFIS0Z-0000000042", ori=FBI_CJIS_ORI, sent_at=AT,
        identified=True, fbi_number="123456AB9",
    )  # fmt: skip
    back = read_sre(round_trip(build_sre(result)))
    assert back == result
    assert back.envelope.tcr == "TX1010000-20110601-0000000001"
    assert back.envelope.dai == "TX1010000"


def test_errt_lists_reasons() -> None:
    envelope = Envelope("WVIAFIS0Z-0000000043", FBI_CJIS_ORI, "TX1010000", AT, "TX1010000-1234")
    response = ErrorResponse(envelope, ("2.018 NAM: mandatory for CAR but missing",), "TX1010000")
    assert read_errt(round_trip(build_errt(response))) == response


def test_errt_messages_are_cut_to_what_ebts_allows() -> None:
    messages = fit_messages([f"problem {i} " + "x" * 400 for i in range(15)] + ["tab\there"])
    assert len(messages) == 11 and all(len(m) <= 300 for m in messages)
    assert messages[-1] == "... and 6 more problems"
    assert fit_messages(["tab\there"]) == ["tab?here"]


def test_reject_turns_a_parse_error_into_an_errt() -> None:
    request = Transaction.create({2: "0400", 4: "CAR", 8: "TX1010000", 9: "TX1010000-77"})
    errt = reject(request, EbtsError("LEN says 9 bytes", record=2, offset=120),
                  tcn="WVIAFIS0Z-1", ori=FBI_CJIS_ORI, sent_at=AT)  # fmt: skip
    back = read_errt(parse(errt.to_bytes()))
    assert back.envelope.tcr == "TX1010000-77" and back.envelope.dai == "TX1010000"
    assert back.messages == ("unreadable transaction: record 2, offset 120: LEN says 9 bytes",)


def test_iaq_iar_detainer_chain() -> None:
    query = ImmigrationQuery.for_car(
        car_facts(), tcn="WVIAFIS0Z-IAQ-0001", ori=FBI_CJIS_ORI, dai=LESC_ORI, sent_at=AT,
        ident_fin="FIN-0042",
    )  # fmt: skip
    assert read_iaq(round_trip(build_iaq(query))) == query
    response = ImmigrationResponse(
        Envelope("VTICE0900-IAR-0001", LESC_ORI, "TXICE0000", AT, query.envelope.tcn),
        SUBJECT, "TX1010000", ImmigrationStatus.ENTERED_WITHOUT_INSPECTION, True,
        CriminalLevel.LEVEL_2, "Houston", "EWI, no prior removals", "FIN-0042", "", ("3599",),
    )  # fmt: skip
    assert read_iar(round_trip(build_iar(response))) == response
    detainer = Detainer(
        Envelope("TXICE0000-DTN-0001", "TXICE0000", "TX1010000", AT, car_facts().tcn),
        SUBJECT, "TX1010000", "Houston", AT.date(), "I-247", DetainerAction.DETAIN, 48,
        "IDENT biometric match", CriminalLevel.LEVEL_2, "FIN-0042",
    )  # fmt: skip
    assert read_detainer(round_trip(build_detainer(detainer))) == detainer


def test_scomm_messages_are_checked_too() -> None:
    query = ImmigrationQuery.for_car(
        car_facts(), tcn="WVIAFIS0Z-IAQ-0001", ori=FBI_CJIS_ORI, dai=LESC_ORI, sent_at=AT
    )
    tx = build_iaq(query)
    broken = tx.replace_record(1, tx.tagged(2).with_value(902, "maybe").without(901))  # type: ignore[union-attr]
    reasons = {(v.field, v.mnemonic) for v in validate(broken)}
    assert ("2.901", "PUR") in reasons and ("2.902", "CUS") in reasons


def test_readers_check_the_tot() -> None:
    tx = build_errt(ErrorResponse(Envelope("T-0000000001", FBI_CJIS_ORI, "TX1010000", AT), ("x",)))
    with pytest.raises(EbtsError, match="expected a SRE"):
        read_sre(tx)
    with pytest.raises(EbtsError, match="CAR or CNA"):
        read_car_facts(tx)
    with pytest.raises(EbtsError, match="timezone"):
        Envelope("T-0000000001", "A", "B", dt.datetime(2011, 1, 1)).header("SRE")


def test_reject_unreadable_bytes_addresses_the_submitter() -> None:
    from scomm.ebts import reject_unreadable

    good = Transaction.create({2: "0400", 4: "CAR", 8: "TX1010000", 9: "TX1010000-77"})
    data = good.to_bytes() + b"junk"
    with pytest.raises(EbtsError) as caught:
        parse(data)
    errt = reject_unreadable(data, caught.value, tcn="WVIAFIS0Z-2", ori=FBI_CJIS_ORI,
                             sent_at=AT, fallback_dai="NB0010000")  # fmt: skip
    back = read_errt(parse(errt.to_bytes()))
    assert (back.envelope.dai, back.envelope.tcr) == ("TX1010000", "TX1010000-77")
    assert "4 bytes after the last record" in back.messages[0]
    garbage = reject_unreadable(b"\x00\x01", caught.value, tcn="WVIAFIS0Z-3",
                                ori=FBI_CJIS_ORI, sent_at=AT, fallback_dai="NB0010000")  # fmt: skip
    assert read_errt(garbage).envelope.dai == "NB0010000"
