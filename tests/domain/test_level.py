import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from scomm.domain import Conviction, CriminalLevel, NcicOffense, Severity, classify_level
from scomm.domain.offense import offense_table

DAY = dt.date(2010, 6, 1)
OFFENSES = sorted(offense_table().values(), key=lambda o: o.code)


def convictions(*codes: str) -> list[Conviction]:
    return [Conviction(NcicOffense.lookup(c), DAY) for c in codes]


def test_examples_from_the_rule() -> None:
    assert classify_level([]) is CriminalLevel.NON_CRIMINAL
    assert classify_level(convictions("5499")) is CriminalLevel.LEVEL_3
    assert classify_level(convictions("5499", "5404")) is CriminalLevel.LEVEL_3
    assert classify_level(convictions("5499", "5404", "1313")) is CriminalLevel.LEVEL_2
    assert classify_level(convictions("2299")) is CriminalLevel.LEVEL_2
    assert classify_level(convictions("2299", "2404")) is CriminalLevel.LEVEL_1
    assert classify_level(convictions("0999")) is CriminalLevel.LEVEL_1


def test_only_convictions_up_to_as_of_count() -> None:
    later = Conviction(NcicOffense.lookup("0999"), dt.date(2012, 1, 1))
    assert classify_level([later], as_of=dt.date(2011, 1, 1)) is CriminalLevel.NON_CRIMINAL
    assert classify_level([later], as_of=dt.date(2012, 1, 1)) is CriminalLevel.LEVEL_1


def test_known_sentence_overrides_the_offense_class() -> None:
    dui_felony = Conviction(NcicOffense.lookup("5404"), DAY, severity=Severity.FELONY)
    assert classify_level([dui_felony]) is CriminalLevel.LEVEL_2


history = st.lists(st.sampled_from(OFFENSES), max_size=8).map(
    lambda offenses: [Conviction(o, DAY) for o in offenses]
)

_RANK = {
    CriminalLevel.NON_CRIMINAL: 0,
    CriminalLevel.LEVEL_3: 1,
    CriminalLevel.LEVEL_2: 2,
    CriminalLevel.LEVEL_1: 3,
}


@given(history, st.sampled_from(OFFENSES))
def test_another_conviction_never_lowers_the_level(
    past: list[Conviction], more: NcicOffense
) -> None:
    before = classify_level(past)
    after = classify_level([*past, Conviction(more, DAY)])
    assert _RANK[after] >= _RANK[before]


@given(history)
def test_level_matches_the_counting_rule(past: list[Conviction]) -> None:
    level = classify_level(past)
    severities = [c.effective_severity for c in past]
    serious = sum(s.over_one_year for s in severities)
    minor = len(severities) - serious
    if not past:
        assert level is CriminalLevel.NON_CRIMINAL
    elif Severity.AGGRAVATED in severities or serious >= 2:
        assert level is CriminalLevel.LEVEL_1
    elif serious == 1 or minor >= 3:
        assert level is CriminalLevel.LEVEL_2
    else:
        assert level is CriminalLevel.LEVEL_3


@given(history, st.randoms())
def test_order_of_convictions_does_not_matter(past: list[Conviction], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(past)
    rnd.shuffle(shuffled)
    assert classify_level(shuffled) is classify_level(past)
