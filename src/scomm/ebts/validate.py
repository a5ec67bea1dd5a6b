"""Check a transaction against the EBTS 9.1 field rules (and scomm's own messages' rules).

Every violation names the record, the field number and mnemonic, and says what is wrong in
words a submitter can act on; an ERRT's 2.060 MSG is made of these.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache

from scomm.domain import Ori
from scomm.ebts.dates import read_day, read_time
from scomm.ebts.fields import Field, Subfields
from scomm.ebts.records import BINARY_LAYOUTS, BinaryRecord, TaggedRecord
from scomm.ebts.rules import FieldRule, RecordCount, RuleTable, rule_table
from scomm.ebts.transaction import CNT_FIELD, Transaction

# Types whose fields EBTS defines completely: any other field there is an error. Other tagged
# types (10, 13, 14, ...) keep ANSI/NIST's user-defined field ranges.
_CLOSED_TYPES = frozenset({1, 2})
_BOOKKEEPING = frozenset({1, 2})  # LEN and IDC are the codec's business
_ORI_FIELDS = frozenset({(1, 8)})
_FINGER_IMAGE_TYPES = frozenset({3, 4, 5, 6})
_FGP_LABELS = {record_type: f"{record_type}.004" for record_type in _FINGER_IMAGE_TYPES}


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where (record position and type, field, mnemonic) and why."""

    record: int
    record_type: int
    field: str
    mnemonic: str
    reason: str

    def __str__(self) -> str:
        name = f" {self.mnemonic}" if self.mnemonic else ""
        return f"{self.field}{name}: {self.reason}"

    def describe(self) -> str:
        """With the record: ``record 3 (Type-4) 4.004 FGP: ...``."""
        return f"record {self.record} (Type-{self.record_type}) {self}"


def validate(tx: Transaction, table: RuleTable | None = None) -> list[Violation]:
    """All violations of ``tx`` (empty when it is valid for its TOT)."""
    rules = table if table is not None else rule_table()
    checker = _Checker(tx, rules)
    checker.run()
    return checker.found


class _Checker:
    def __init__(self, tx: Transaction, rules: RuleTable) -> None:
        self.tx = tx
        self.rules = rules
        self.tot = tx.tot
        self.found: list[Violation] = []
        self.dates: dict[str, dt.date] = {}
        self.pending_order: list[tuple[int, int, str, FieldRule, dt.date]] = []
        self.noted: list[tuple[str, dt.date]] | None = None
        """Dates seen while :meth:`_field_once` checks a field."""
        self.scratch: _Checker | None = None
        """Where :meth:`_known_clean` checks a new value on its own (what it adds there is
        only read back from the value's verdict)."""

    def add(self, index: int, record_type: int, field: str, mnemonic: str, reason: str) -> None:
        self.found.append(Violation(index, record_type, field, mnemonic, reason))

    def run(self) -> None:
        spec = self.rules.transactions.get(self.tot)
        if spec is None:
            self.add(1, 1, "1.004", "TOT", f"unknown transaction type {self.tot!r}")
        else:
            self._record_counts(spec.records)
        images: list[tuple[int, int, str, tuple[int, ...]]] = []
        for index, record in enumerate(self.tx.records, start=1):
            if isinstance(record, TaggedRecord):
                if not self._known_clean(index, record):
                    self._tagged(index, record)
                if record.type == 14:
                    values = [sub[0] for sub in record.subfields(13) if sub]
                    positions = tuple(int(v) for v in values if v.isascii() and v.isdigit())
                    images.append((index, 14, "14.013", positions))
            else:
                self._binary(index, record)
                if record.type in _FINGER_IMAGE_TYPES:
                    images.append(
                        (index, record.type, _FGP_LABELS[record.type], record.finger_positions)
                    )
        self._finger_positions(images)
        self._cross_field()

    # -- records ------------------------------------------------------------------------
    def _record_counts(self, counts: tuple[RecordCount, ...]) -> None:
        types = tuple(r.type for r in self.tx.records)
        for reason in _count_problems(self.tot, counts, types):
            self.add(1, 1, "1.003", "CNT", reason)

    def _finger_positions(self, images: list[tuple[int, int, str, tuple[int, ...]]]) -> None:
        """Each finger once (Type-3 to 6 and 14): a second image of a position is an error.
        ``images``: (record index, type, FGP field, positions) of each image record."""
        seen: dict[int, int] = {}
        for index, record_type, label, positions in images:
            for position in positions:
                if position in seen and 1 <= position <= 15:
                    reason = f"finger position {position} already sent in record {seen[position]}"
                    self.add(index, record_type, label, "FGP", reason)
                seen.setdefault(position, index)

    def _known_clean(self, index: int, record: TaggedRecord) -> bool:
        """The cheap path of :meth:`_tagged`: when every field of ``record`` has a rule and a
        value that breaks none (its verdict is remembered per TOT and record type; a value not
        seen before is checked aside and remembered), its fields are in ascending order and
        every mandatory field is there, the record breaks no rule; the dates it carries are
        noted as :meth:`_replay` notes them. False (nothing done) otherwise: :meth:`_tagged`
        then checks and orders everything."""
        rtype = record.type
        plan = _record_plan(self.rules, self.tot, rtype)
        seen, mandatory = plan.seen, plan.mandatory
        found: list[_Checked] = []
        previous, mandatory_present = 0, 0
        for field in record.fields:
            number = field.number
            if number <= previous:
                return False
            previous = number
            if number in mandatory:
                mandatory_present += 1
            if number in _BOOKKEEPING or (rtype == 1 and number == CNT_FIELD):
                continue
            if field.data is not None:
                return False
            key = (number, field.subfields)
            checked = seen.get(key)
            if checked is None:  # a new value: checked aside, remembered, then replayed
                rule, _, items_plan = plan.fields.get(number, _NOT_APPLICABLE)
                if rule is None:
                    return False
                if self.scratch is None:
                    self.scratch = _Checker(self.tx, self.rules)
                label = f"{rtype}.{number:03d}"
                checked = self.scratch._field_once(
                    index, rtype, label, rule, rule.short_mnemonic, items_plan, field
                )
                if len(seen) >= _SEEN_LIMIT:
                    seen.clear()
                seen[key] = checked
            if checked[0]:
                return False
            if checked[1] or checked[2]:
                found.append(checked)
        if mandatory_present != len(mandatory):
            return False
        for checked in found:
            self._replay(index, rtype, checked)
        return True

    def _tagged(self, index: int, record: TaggedRecord) -> None:
        rtype = record.type
        present = {f.number: f for f in record.fields}
        plan = _record_plan(self.rules, self.tot, rtype)
        # Only present fields and absent mandatory ones can break a rule; the order is the
        # field numbers' (as an ERRT lists them).
        for number in sorted(plan.mandatory.union(present)):
            if number in _BOOKKEEPING or (rtype == 1 and number == CNT_FIELD):
                continue
            label = f"{rtype}.{number:03d}"
            rule, requirement, items_plan = plan.fields.get(number, _NOT_APPLICABLE)
            field = present.get(number)
            if rule is None:
                if (
                    field is not None
                    and rtype in _CLOSED_TYPES
                    and self.tot in self.rules.transactions
                ):
                    known = bool(self.rules.field_rules(rtype, number))
                    why = f"not defined for {self.tot}" if known else "not a field of EBTS 9.1"
                    self.add(index, rtype, label, "", f"field {why}")
                continue
            mnemonic = rule.short_mnemonic
            if field is None:
                if requirement == "M":
                    self.add(index, rtype, label, mnemonic, f"mandatory for {self.tot} but missing")
                continue
            if field.data is not None:
                if rule.length and rule.length[0] > len(field.data):
                    self.add(index, rtype, label, mnemonic, "image data is empty")
                continue
            key = (number, field.subfields)
            checked = plan.seen.get(key)
            if checked is None:
                checked = self._field_once(index, rtype, label, rule, mnemonic, items_plan, field)
                if len(plan.seen) >= _SEEN_LIMIT:
                    plan.seen.clear()
                plan.seen[key] = checked
            else:
                self._replay(index, rtype, checked)

    def _field_once(
        self,
        index: int,
        rtype: int,
        label: str,
        rule: FieldRule,
        mnemonic: str,
        items_plan: tuple[tuple[int, FieldRule, str], ...] | None,
        field: Field,
    ) -> _Checked:
        """Check one present field; return what it added, for :meth:`_replay` to add again
        when the same value comes back (a field's verdict depends on nothing else)."""
        found, pending = len(self.found), len(self.pending_order)
        self.noted = []
        self._field(index, rtype, label, rule, mnemonic, items_plan, field)
        violations = tuple((v.field, v.mnemonic, v.reason) for v in self.found[found:])
        orders = tuple((w, r, d) for _, _, w, r, d in self.pending_order[pending:])
        noted, self.noted = tuple(self.noted), None
        return violations, noted, orders

    def _replay(self, index: int, rtype: int, known: _Checked) -> None:
        violations, noted, orders = known
        for where, mnemonic, reason in violations:
            self.add(index, rtype, where, mnemonic, reason)
        for name, day in noted:
            self.dates.setdefault(name, day)
        for where, rule, day in orders:
            self.pending_order.append((index, rtype, where, rule, day))

    def _field(
        self,
        index: int,
        rtype: int,
        label: str,
        rule: FieldRule,
        mnemonic: str,
        items_plan: tuple[tuple[int, FieldRule, str], ...] | None,
        field: Field,
    ) -> None:
        number = field.number
        self._occurrences(index, rtype, label, rule, len(field.subfields))
        for position, items in enumerate(field.subfields, start=1):
            where = label if len(field.subfields) == 1 else f"{label} (occurrence {position})"
            if items_plan is not None:
                if items_plan:
                    self._items(index, rtype, where, mnemonic, items, items_plan)
            elif rule.grouped:
                for item in items:
                    self._charset(index, rtype, where, rule, item)
            elif len(items) != 1:
                self.add(index, rtype, where, mnemonic, f"has {len(items)} items, expected 1")
            else:
                self._value(index, rtype, where, rule, items[0])
        if (rtype, number) in _ORI_FIELDS:
            self._ori(index, rtype, label, mnemonic, field.text)

    def _occurrences(self, index: int, rtype: int, label: str, rule: FieldRule, n: int) -> None:
        if rule.occurs is None:
            return
        low, high = rule.occurs
        if n < max(low, 1):
            reason = f"occurs {n} times, at least {low} required"
            self.add(index, rtype, label, rule.short_mnemonic, reason)
        if high is not None and n > high:
            reason = f"occurs {n} times, at most {high} allowed"
            self.add(index, rtype, label, rule.short_mnemonic, reason)

    def _items(
        self,
        index: int,
        rtype: int,
        where: str,
        mnemonic: str,
        items: tuple[str, ...],
        item_rules: tuple[tuple[int, FieldRule, str], ...],
    ) -> None:
        most = item_rules[-1][0]
        if len(items) > most:
            self.add(
                index, rtype, where, mnemonic, f"has {len(items)} items, at most {most} allowed"
            )
        for number, rule, requirement in item_rules:
            value = items[number - 1] if number <= len(items) else ""
            if not value:
                if requirement == "M":
                    self.add(
                        index,
                        rtype,
                        where,
                        rule.short_mnemonic,
                        f"item {number} is mandatory but empty",
                    )
                continue
            self._value(index, rtype, f"{where} item {number}", rule, value)

    # -- values -------------------------------------------------------------------------
    def _value(self, index: int, rtype: int, where: str, rule: FieldRule, value: str) -> None:
        def add(reason: str) -> None:
            self.add(index, rtype, where, rule.short_mnemonic, reason)

        if rule.length is not None:
            low, high = rule.length
            if len(value) < low or (high is not None and len(value) > high):
                span = f"{low}" if low == high else f"{low}-{high if high is not None else 'any'}"
                add(f"{len(value)} characters, {span} allowed")
        self._charset(index, rtype, where, rule, value)
        if rule.values is not None and value not in rule.values:
            listed = ", ".join(sorted(rule.values)[:12])
            more = ", ..." if len(rule.values) > 12 else ""
            add(f"{value!r} is not one of {listed}{more}")
        if rule.regex is not None and not _regex(rule.regex).fullmatch(value):
            add(f"{value!r} does not have the required form")
        if rule.nregex is not None and _regex(rule.nregex).fullmatch(value):
            add(f"{value!r} has a form that is not allowed")
        if rule.date is not None:
            self._date(index, rtype, where, rule, value)

    def _charset(self, index: int, rtype: int, where: str, rule: FieldRule, value: str) -> None:
        pattern = rule.charset_pattern()
        if pattern is not None and not pattern.fullmatch(value):
            bad = "".join(sorted({c for c in value if not pattern.fullmatch(c)})[:5])
            reason = f"characters {bad!r} not allowed in {rule.charset} field"
            self.add(index, rtype, where, rule.short_mnemonic, reason)

    def _date(self, index: int, rtype: int, where: str, rule: FieldRule, value: str) -> None:
        mnemonic = rule.short_mnemonic
        if (rule.date or "").startswith("Z") and value == "0" * len(value):
            return
        try:
            if rule.date == "YYYYMMDDhhmmssZ":
                if not value.endswith("Z"):
                    raise ValueError
                day = read_time(value[:-1]).date()
            else:
                day = read_day(value)
        except ValueError:
            self.add(index, rtype, where, mnemonic, f"{value!r} is not a valid date ({rule.date})")
            return
        self.dates.setdefault(rule.mnemonic, day)
        if self.noted is not None:
            self.noted.append((rule.mnemonic, day))
        if rule.not_before is not None:
            self.pending_order.append((index, rtype, where, rule, day))

    def _ori(self, index: int, rtype: int, label: str, mnemonic: str, value: str) -> None:
        try:
            Ori(value)
        except ValueError as exc:
            self.add(index, rtype, label, mnemonic, str(exc))

    def _cross_field(self) -> None:
        for index, rtype, where, rule, day in self.pending_order:
            other = self.dates.get(rule.not_before or "")
            if other is not None and day < other:
                self.add(
                    index,
                    rtype,
                    where,
                    rule.short_mnemonic,
                    f"{day} is before {rule.not_before} {other}",
                )
        submitted = self.dates.get("T1_DAT")
        for mnemonic in ("T2_DOB", "T2_DOA"):
            late = self.dates.get(mnemonic)
            if (
                submitted is not None
                and late is not None
                and late > submitted + dt.timedelta(days=1)
            ):
                self.add(
                    2,
                    2,
                    _label_of(self.rules, mnemonic),
                    mnemonic[3:],
                    f"{late} is after the transaction date {submitted}",
                )

    # -- binary records -----------------------------------------------------------------
    def _binary(self, index: int, record: BinaryRecord) -> None:
        rtype = record.type
        for label, short, reason in _header_problems(self.rules, self.tot, rtype, record.header):
            self.add(index, rtype, label, short, reason)
        if not record.data:
            self.add(index, rtype, f"{rtype}.009", "DAT", "image data is empty")


@lru_cache(maxsize=256)
def _count_problems(
    tot: str, counts: tuple[RecordCount, ...], types: tuple[int, ...]
) -> tuple[str, ...]:
    """What is wrong with the record types a transaction of ``tot`` carries (the same few
    lists come again and again: worked out once each)."""
    present = Counter(types)
    allowed: set[int] = set()
    problems = []
    for count in counts:
        allowed.update(count.types)
        n = sum(present[t] for t in count.types)
        kinds = " or ".join(f"Type-{t}" for t in count.types)
        if n < count.min:
            problems.append(f"{tot} needs at least {count.min} {kinds} record(s), has {n}")
        if count.max is not None and n > count.max:
            problems.append(f"{tot} allows at most {count.max} {kinds} record(s), has {n}")
    for record_type in sorted(set(present) - allowed):
        problems.append(f"Type-{record_type} records are not allowed in {tot}")
    return tuple(problems)


@lru_cache(maxsize=4096)
def _header_problems(
    rules: RuleTable, tot: str, rtype: int, header: tuple[int, ...]
) -> tuple[tuple[str, str, str], ...]:
    """(field, mnemonic, reason) of each header value a binary record may not have (a
    tenprint's ten headers differ only in the finger: worked out once each)."""
    problems = []
    for rule, short, positions in _binary_plan(rules, tot, rtype):
        for value in [header[i] for i in positions]:
            if rule.values is not None and str(value) not in rule.values:
                problems.append(
                    (f"{rtype}.{rule.field:03d}", short, f"{value} is not an allowed value")
                )
    if rtype in (3, 4, 5, 6) and all(v == 255 for v in header[2:8]):
        problems.append((f"{rtype}.004", "FGP", "no finger position given"))
    return tuple(problems)


_FieldPlan = tuple[FieldRule | None, str | None, tuple[tuple[int, FieldRule, str], ...] | None]
"""The rule that applies to a field for a TOT, its requirement ("M"/"O"), and its items'
applicable rules (number, rule, requirement) in item order (None: the field has no item rules;
empty: it has some, none for this TOT)."""
_NOT_APPLICABLE: _FieldPlan = (None, None, None)
_Checked = tuple[
    tuple[tuple[str, str, str], ...],
    tuple[tuple[str, dt.date], ...],
    tuple[tuple[str, FieldRule, dt.date], ...],
]
"""What checking a field found: violations (field, mnemonic, reason), dates read (mnemonic,
day), and dates to compare with others once all are read (where, rule, day)."""
_SEEN_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class _RecordPlan:
    """What the rules ask of one record type in one TOT, worked out once per process."""

    fields: dict[int, _FieldPlan]
    mandatory: frozenset[int]
    seen: dict[tuple[int, Subfields], _Checked] = dataclass_field(default_factory=dict)
    """Fields already checked (number, value) -> what checking them found."""


@lru_cache(maxsize=512)
def _record_plan(rules: RuleTable, tot: str, rtype: int) -> _RecordPlan:
    fields: dict[int, _FieldPlan] = {}
    mandatory = set()
    for number in rules.field_numbers(rtype):
        applicable = next(
            ((r, q) for r in rules.field_rules(rtype, number) if (q := r.requirement(tot))),
            None,
        )
        if applicable is None:
            continue
        rule, requirement = applicable
        if requirement == "M":
            mandatory.add(number)
        item_rules = rules.item_rules(rtype, number)
        items: dict[int, tuple[FieldRule, str]] = {}
        for item_rule in item_rules:
            req = item_rule.requirement(tot)
            if item_rule.item is not None and req is not None and item_rule.item not in items:
                items[item_rule.item] = (item_rule, req)
        plan = tuple((n, r, q) for n, (r, q) in sorted(items.items())) if item_rules else None
        fields[number] = (rule, requirement, plan)
    return _RecordPlan(fields, frozenset(mandatory))


@lru_cache(maxsize=256)
def _binary_plan(
    rules: RuleTable, tot: str, rtype: int
) -> tuple[tuple[FieldRule, str, tuple[int, ...]], ...]:
    """The binary header items with allowed values for this TOT: (rule, mnemonic, header
    positions it covers)."""
    names = [name for name, _ in BINARY_LAYOUTS[rtype]]
    plan = []
    for rule in rules.binary_rules(rtype):
        if rule.requirement(tot) is None or rule.values is None:
            continue
        short = rule.short_mnemonic
        if short == "FGP":
            positions = tuple(names.index(f"FGP{i}") for i in range(1, 7))
        elif short in names:
            positions = (names.index(short),)
        else:
            continue
        plan.append((rule, short, positions))
    return tuple(plan)


@lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _label_of(rules: RuleTable, mnemonic: str) -> str:
    found = rules.by_mnemonic(mnemonic)
    return found[0].label if found else mnemonic
