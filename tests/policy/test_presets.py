"""The historical timeline (spot checks from DESIGN.md) and one check per policy variant."""

from __future__ import annotations

import datetime as dt

import pytest

from scomm.policy import BookingFacts, Registry, Transfer, preset

T = Transfer


def facts(ori: str, day: str, **kw: object) -> BookingFacts:
    when = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), dt.UTC)
    return BookingFacts.for_ori(ori, when, **kw)  # type: ignore[arg-type]


def allowed(name: str, transfer: Transfer, ori: str, day: str, **kw: object) -> bool:
    return preset(name).decide(transfer, facts(ori, day, **kw)).allowed


def test_harris_county_was_the_first_activated_on_2008_10_27() -> None:
    assert not allowed("historical", T.PRINTS_TO_IDENT, "TX1010000", "2008-10-26")
    assert allowed("historical", T.PRINTS_TO_IDENT, "TX1010000", "2008-10-27")
    assert allowed("historical", T.IAR_TO_ERO, "TX1010000", "2008-10-27")
    # the Houston police (a city ORI in Harris County's rollout) is not in Harris in the data,
    # but any unlisted ORI with Harris's prefix is
    assert allowed("historical", T.PRINTS_TO_IDENT, "TX1010177", "2008-10-27")


def test_an_illinois_booking_on_2011_01_15_depends_on_activation_before_the_suspension() -> None:
    registry = Registry.shipped()
    early = min(
        (c for c in registry.counties.values() if c.state.postal == "IL"),
        key=lambda c: c.activation,
    )
    assert early.activation < dt.date(2010, 11, 9)
    assert allowed("historical", T.PRINTS_TO_IDENT, early.ori.value, "2011-01-15")
    cook = preset("historical").decide(T.PRINTS_TO_IDENT, facts("IL0160000", "2011-01-15"))
    assert not cook.allowed
    assert cook.rule_ids[-1] == "il-suspension"
    assert any("Illinois suspended" in r for r in cook.reasons)
    assert allowed("historical", T.PRINTS_TO_IDENT, "IL0160000", "2013-01-22")


def test_new_york_suspension_ended_by_the_august_2011_letter() -> None:
    late = next(c for c in Registry.shipped().counties.values() if c.fips == "36001")  # Albany
    assert late.activation == dt.date(2012, 5, 15)
    assert (
        preset("historical")
        .decide(T.PRINTS_TO_IDENT, facts(late.ori.value, "2011-07-01"))
        .rule_ids[-1]
        == "ny-suspension"
    )
    after = preset("historical").decide(T.PRINTS_TO_IDENT, facts(late.ori.value, "2011-09-01"))
    assert after.rule_ids[-1] == "not-activated"


def test_los_angeles_before_and_after_the_trust_act() -> None:
    dui = {"offenses": ["5404"]}
    assert allowed("historical", T.CUSTODY_TO_ERO, "CA0190000", "2013-12-31", **dui)
    after = preset("historical").decide(T.CUSTODY_TO_ERO, facts("CA0190000", "2014-01-01", **dui))
    assert not after.allowed and after.rule_ids[-1] == "ca-trust-act"
    assert allowed("historical", T.CUSTODY_TO_ERO, "CA0190000", "2014-01-01", offenses=["0999"])
    assert allowed("historical", T.PRINTS_TO_IDENT, "CA0190000", "2014-01-01", **dui)
    assert allowed("historical", T.CUSTODY_TO_ERO, "TX1010000", "2014-01-01", **dui)


def test_pep_then_reinstatement() -> None:
    petty = {"offenses": ["5499"], "conviction_known": True}
    assert allowed("historical", T.DETAINER_TO_LEA, "TX1010000", "2015-07-01", **petty)
    assert not allowed("historical", T.DETAINER_TO_LEA, "TX1010000", "2015-07-02", **petty)
    assert allowed("historical", T.NOTIFICATION_REQUEST_TO_LEA, "TX1010000", "2015-07-02", **petty)
    assert allowed(
        "historical",
        T.DETAINER_TO_LEA,
        "TX1010000",
        "2015-07-02",
        offenses=["1313"],
        conviction_known=True,
    )
    assert allowed("historical", T.DETAINER_TO_LEA, "TX1010000", "2017-01-25", **petty)
    form = preset("historical").decide(T.DETAINER_TO_LEA, facts("TX1010000", "2017-05-01"))
    assert "I-247A" in form.reasons[-1]


def test_mandatory_from_october_2010_and_the_redefined_opt_out() -> None:
    out = {"county_consented": False}
    # before October 2010 an activated county's results reach the agency; after, an opted-out
    # county is still searched and ICE told, but the agency gets nothing
    assert allowed("historical", T.IDENT_RESULT_TO_LEA, "CA0380000", "2010-09-01", **out)
    assert allowed("historical", T.PRINTS_TO_IDENT, "CA0380000", "2010-11-01", **out)
    assert allowed("historical", T.IAR_TO_ERO, "CA0380000", "2010-11-01", **out)
    assert not allowed("historical", T.IDENT_RESULT_TO_LEA, "CA0380000", "2010-11-01", **out)


# --- one check per DESIGN.md §1 variant -----------------------------------------------------


def test_variant_1_not_activated() -> None:
    assert allowed("not-activated", T.CRIMINAL_RESULT_TO_LEA, "TX1010000", "2012-01-01")
    assert not allowed("not-activated", T.PRINTS_TO_IDENT, "TX1010000", "2012-01-01")


def test_variant_2_full_participation() -> None:
    for transfer in (T.PRINTS_TO_IDENT, T.IDENT_RESULT_TO_LEA, T.IAR_TO_ERO, T.DETAINER_TO_LEA):
        assert allowed("full-participation", transfer, "CA0190000", "2010-01-01")
    assert not allowed("full-participation", T.PRINTS_TO_IDENT, "IL0160000", "2012-01-01")


def test_variant_3_opt_out_redefined() -> None:
    assert allowed(
        "opt-out-redefined", T.IAR_TO_ERO, "CA0190000", "2011-01-01", county_consented=False
    )
    assert not allowed(
        "opt-out-redefined",
        T.IDENT_RESULT_TO_LEA,
        "CA0190000",
        "2011-01-01",
        county_consented=False,
    )
    assert allowed("opt-out-redefined", T.IDENT_RESULT_TO_LEA, "CA0190000", "2011-01-01")


def test_variant_4_ori_deactivation() -> None:
    # the San Francisco sheriff is removed, the rest of the county (an unlisted jail) is not
    assert not allowed("ori-deactivation", T.PRINTS_TO_IDENT, "CA0380000", "2011-01-01")
    assert allowed("ori-deactivation", T.PRINTS_TO_IDENT, "CA0380177", "2011-01-01")
    assert allowed("historical", T.PRINTS_TO_IDENT, "CA0380000", "2011-01-01")
    # with NGI's full interoperability per-ORI deactivation ends
    assert allowed("ori-deactivation", T.PRINTS_TO_IDENT, "CA0380000", "2013-02-01")


def test_variant_5_mandatory_refuses_opt_out_requests() -> None:
    decision = preset("mandatory").decide(T.PRINTS_TO_IDENT, facts("CA0430000", "2011-01-01"))
    assert decision.allowed
    assert any("opt-out-requests" in r and "overridden" in r for r in decision.reasons)


def test_variant_6_state_mediated_consent() -> None:
    ny = "NY0010000"  # Albany County sheriff's county activated 2012-05-15
    assert not allowed(
        "state-consent", T.PRINTS_TO_IDENT, "NY1010000", "2011-03-01", agency_consented=False
    )
    assert not allowed(
        "state-consent", T.PRINTS_TO_IDENT, "TX1010000", "2011-03-01", state_consented=False
    )
    assert allowed(
        "state-consent", T.PRINTS_TO_IDENT, "TX1010000", "2011-09-01", state_consented=False
    )
    assert not allowed("state-consent", T.PRINTS_TO_IDENT, ny, "2011-07-01")


def test_variant_7_exit_by_not_submitting_loses_the_criminal_check() -> None:
    kw = {"agency_consented": False}
    assert not allowed(
        "exit-by-not-submitting", T.CRIMINAL_RESULT_TO_LEA, "VA0070100", "2011-01-01", **kw
    )
    assert not allowed("exit-by-not-submitting", T.PRINTS_TO_IDENT, "VA0070100", "2011-01-01", **kw)


def test_variant_8_ngi_everywhere_from_the_start() -> None:
    assert allowed("ngi-2013", T.PRINTS_TO_IDENT, "IL0160000", "2008-01-01")
    assert not allowed("historical", T.PRINTS_TO_IDENT, "IL0160000", "2008-01-01")


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, False),  # at arrest: nothing goes to immigration
        ({"conviction_known": True}, True),
        ({"conviction_known": True, "county_consented": False}, False),
        ({"conviction_known": True, "domestic_violence_victim": True}, False),
        ({"conviction_known": True, "juvenile": True}, False),
        ({"conviction_known": True, "witness": True}, False),
    ],
)
def test_variant_9_conviction_gated(flags: dict[str, bool], expected: bool) -> None:
    assert (
        allowed("conviction-gated", T.PRINTS_TO_IDENT, "CA0190000", "2012-01-01", **flags)
        is expected
    )


def test_variant_9_trust_act_custody() -> None:
    kw = {"conviction_known": True}
    assert not allowed(
        "conviction-gated", T.CUSTODY_TO_ERO, "CA0190000", "2012-01-01", offenses=["5404"], **kw
    )
    assert allowed(
        "conviction-gated", T.CUSTODY_TO_ERO, "CA0190000", "2012-01-01", offenses=["1201"], **kw
    )


def test_variant_10_pep() -> None:
    assert not allowed(
        "pep",
        T.DETAINER_TO_LEA,
        "TX1010000",
        "2010-01-01",
        offenses=["5499"],
        conviction_known=True,
    )
    assert allowed(
        "pep", T.NOTIFICATION_REQUEST_TO_LEA, "TX1010000", "2010-01-01", conviction_known=True
    )
    assert allowed(
        "pep",
        T.DETAINER_TO_LEA,
        "TX1010000",
        "2010-01-01",
        offenses=["0999"],
        conviction_known=True,
    )


def test_voluntary_only_consenting_counties() -> None:
    assert allowed("voluntary", T.PRINTS_TO_IDENT, "CA0190000", "2011-01-01")
    assert not allowed(
        "voluntary", T.PRINTS_TO_IDENT, "CA0190000", "2011-01-01", county_consented=False
    )
    assert not allowed("voluntary", T.PRINTS_TO_IDENT, "CA0190000", "2009-01-01")
