"""``text_message`` and the ``encode_*`` writers give exactly the bytes of the transactions
the ``build_*`` functions make, and refuse what those refuse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.domain import Charge, CriminalLevel, Race, Sex
from scomm.ebts import (
    FBI_CJIS_ORI,
    CarFacts,
    CourtDisposition,
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
    encode_detainer,
    encode_errt,
    encode_iaq,
    encode_iar,
    encode_sre,
)
from scomm.ebts.envelope import text_message, text_transaction

AT = dt.datetime(2012, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
SUBJECT = Subject("NGUYEN", "AN", dt.date(1979, 8, 9), Sex.FEMALE, Race.ASIAN, "VN")


def car_facts() -> CarFacts:
    envelope = Envelope("TX1010000-20120304-0000000007", "TX1010000", FBI_CJIS_ORI, AT)
    return CarFacts(envelope, SUBJECT, "TX1010000", AT.date(), (Charge.of("2699"),))


# Text with the odd characters a field may hold (non-ASCII, surrogate escapes of raw bytes)
# and, sometimes, a separator that must be refused.
_TEXT = st.text(
    alphabet=st.sampled_from(["A", "z", "0", " ", ",", "é", "\udcff", "\x1c", "\x1d", "\x1e"]),
    min_size=1,
    max_size=12,
)
_VALUE = st.one_of(
    _TEXT,
    st.lists(st.lists(_TEXT, min_size=1, max_size=3), min_size=0, max_size=3),
)
_TIMES = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)
)


def _same(make_bytes: object, make_tx: object) -> None:
    """Both give the same bytes, or both refuse with the same message."""
    assert callable(make_bytes) and callable(make_tx)
    try:
        expected = make_tx().to_bytes()
    except EbtsError as error:
        with pytest.raises(EbtsError) as caught:
            make_bytes()
        assert str(caught.value) == str(error)
        return
    assert make_bytes() == expected


@settings(max_examples=300, deadline=None)
@given(
    tot=st.sampled_from(["SRE", "ERRT", "IAQ", "X"]),
    tcn=st.text(alphabet="AZ09-", min_size=1, max_size=20),
    tcr=st.text(alphabet="AZ09-", max_size=20),
    at=_TIMES,
    scomm=st.booleans(),
    type2=st.dictionaries(st.integers(min_value=1, max_value=999), _VALUE, max_size=8),
)
def test_text_message_is_the_transactions_bytes(
    tot: str,
    tcn: str,
    tcr: str,
    at: dt.datetime,
    scomm: bool,
    type2: dict[int, str | Sequence[Sequence[str]]],
) -> None:
    envelope = Envelope(tcn, "WVIAFIS0Z", "TX1010000", at, tcr)
    _same(
        lambda: text_message(tot, envelope, type2, scomm=scomm),
        lambda: text_transaction(tot, envelope, type2, scomm=scomm),
    )


def test_length_field_grows_a_digit() -> None:
    """A record whose LEN crosses from two to three digits (and three to four) is counted
    the same way."""
    envelope = Envelope("T-1", "WVIAFIS0Z", "TX1010000", AT)
    for size in range(60, 1100, 7):
        type2: dict[int, str | Sequence[Sequence[str]]] = {18: "X" * size}
        _same(
            lambda t=type2: text_message("SRE", envelope, t),  # type: ignore[misc]
            lambda t=type2: text_transaction("SRE", envelope, t),  # type: ignore[misc]
        )


@settings(max_examples=100, deadline=None)
@given(identified=st.booleans(), fbi=st.sampled_from(["", "123456AB9"]), at=_TIMES)
def test_encode_sre(identified: bool, fbi: str, at: dt.datetime) -> None:
    result = SearchResult.answering(
        car_facts(), tcn="WVIAFIS0Z-42", ori="WVIAFIS0Z", sent_at=at, identified=identified,
        fbi_number=fbi,
    )  # fmt: skip
    assert encode_sre(result) == build_sre(result).to_bytes()


def test_encode_errt_and_scomm_messages() -> None:
    envelope = Envelope("WVIAFIS0Z-43", "WVIAFIS0Z", "TX1010000", AT, "TX1010000-1234")
    for messages in (("one",), tuple(f"problem {i}" for i in range(14))):
        response = ErrorResponse(envelope, messages, "TX1010000")
        assert encode_errt(response) == build_errt(response).to_bytes()
    conviction = CourtDisposition(AT.date(), car_facts().charges[0].offense)
    for convicted in (None, conviction):
        query = ImmigrationQuery.for_car(
            car_facts(), tcn="WVIAFIS0Z-IAQ-0001", ori="WVIAFIS0Z", dai="VTICE0900",
            sent_at=AT, ident_fin="FIN-0042",
        )  # fmt: skip
        query = replace(query, conviction=convicted)
        assert encode_iaq(query) == build_iaq(query).to_bytes()
        response = ImmigrationResponse(
            Envelope("VTICE0900-IAR-0001", "VTICE0900", "TXICE0000", AT, "T-1"), SUBJECT,
            "TX1010000", ImmigrationStatus.ENTERED_WITHOUT_INSPECTION, True,
            CriminalLevel.LEVEL_2, "Houston", "EWI", "FIN-0042", "", ("3599",), convicted,
        )  # fmt: skip
        assert encode_iar(response) == build_iar(response).to_bytes()
        detainer = Detainer(
            Envelope("TXICE0000-DTN-0001", "TXICE0000", "TX1010000", AT, "T-1"), SUBJECT,
            "TX1010000", "Houston", AT.date(), "I-247", DetainerAction.DETAIN, 48, "match",
            CriminalLevel.LEVEL_2, "FIN-0042", conviction=convicted,
        )  # fmt: skip
        assert encode_detainer(detainer) == build_detainer(detainer).to_bytes()


# Values the quick path must hand to the careful one: items that are not text, empty fields,
# subfields given as strings, bytes, and the separators above.
_ODD_VALUE = st.one_of(
    _VALUE,
    st.lists(st.tuples(_TEXT, st.one_of(_TEXT, st.integers(), st.binary(max_size=2)))),
    st.lists(_TEXT, max_size=3),
    st.binary(max_size=3),
    st.tuples(st.tuples(_TEXT)),
)


def _written(record_type: int, values: dict[int, object], idc: str | None) -> object:
    from scomm.ebts import envelope

    try:
        return envelope._tagged_bytes(record_type, values, idc)  # type: ignore[arg-type]
    except EbtsError as error:
        return str(error)


@settings(max_examples=300, deadline=None)
@given(
    record_type=st.sampled_from([1, 2]),
    values=st.dictionaries(st.integers(min_value=1, max_value=1200), _ODD_VALUE, max_size=8),
    idc=st.sampled_from([None, "00"]),
)
def test_quick_tagged_bytes_write_or_refuse_as_the_careful_path(
    record_type: int, values: dict[int, object], idc: str | None
) -> None:
    from scomm.ebts import envelope

    try:
        careful: object = envelope._checked_tagged_bytes(record_type, values, idc)  # type: ignore[arg-type]
    except EbtsError as error:
        careful = str(error)
    except TypeError:
        careful = TypeError
    try:
        quick = _written(record_type, values, idc)
    except TypeError:
        quick = TypeError
    assert quick == careful


@given(when=st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-5))])))
def test_dates_and_times_are_written_as_strftime_writes_them(when: dt.datetime) -> None:
    from scomm.ebts.envelope import format_date, format_gmt

    assert format_date(when.date()) == when.date().strftime("%Y%m%d")
    try:
        utc = when.astimezone(dt.UTC)
    except OverflowError:
        return
    assert format_gmt(when) == utc.strftime("%Y%m%d%H%M%SZ")
