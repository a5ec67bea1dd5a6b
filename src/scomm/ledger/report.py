"""An agency's disclosure report: every logged transfer of its bookings' data, by recipient,
each with the inclusion proof that ties it to a signed checkpoint."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass

from scomm.domain import Ori
from scomm.ledger.log import InclusionProof, Ledger, LedgerRecord
from scomm.ledger.note import SignedCheckpoint

CSV_COLUMNS = (
    "index",
    "event_time",
    "tcn",
    "transfer",
    "sender",
    "recipient",
    "allowed",
    "reasons",
    "rule_ids",
    "policy_hash",
    "records",
    "leaf_hash",
    "tree_size",
    "root_hash",
    "inclusion_proof",
)


@dataclass(frozen=True, slots=True)
class RecipientCount:
    recipient: str
    allowed: int
    refused: int
    bookings: int


@dataclass(frozen=True, slots=True)
class DisclosureReport:
    ori: Ori
    start: dt.date | None
    end: dt.date | None
    checkpoint: SignedCheckpoint
    records: tuple[LedgerRecord, ...]
    proofs: tuple[InclusionProof, ...]

    def by_recipient(self) -> list[RecipientCount]:
        allowed: Counter[str] = Counter()
        refused: Counter[str] = Counter()
        bookings: dict[str, set[str]] = {}
        for record in self.records:
            event = record.event
            (allowed if event.allowed else refused)[event.recipient] += 1
            if event.allowed:
                bookings.setdefault(event.recipient, set()).add(event.tcn.value)
        names = sorted(set(allowed) | set(refused))
        return [RecipientCount(n, allowed[n], refused[n], len(bookings.get(n, ()))) for n in names]

    def text(self) -> str:
        period = f"from {self.start or 'the beginning'}" + (
            f" up to (not including) {self.end}" if self.end else " to now"
        )
        root = base64.b64encode(self.checkpoint.root_hash).decode()
        tcns = {r.event.tcn.value for r in self.records}
        lines = [
            f"Disclosures of bookings by {self.ori}, event times {period}",
            f"{len(self.records)} logged transfers of {len(tcns)} bookings; proofs against the"
            f" signed checkpoint of size {self.checkpoint.size} (root {root})",
            "",
            f"{'recipient':<20} {'disclosed':>9} {'refused':>8} {'bookings':>8}",
        ]
        for row in self.by_recipient():
            lines.append(f"{row.recipient:<20} {row.allowed:>9} {row.refused:>8} {row.bookings:>8}")
        lines.append("")
        for record in self.records:
            e = record.event
            verdict = "disclosed" if e.allowed else "refused"
            lines.append(
                f"#{record.index:<8} {e.utc_time:%Y-%m-%d %H:%M}Z {e.tcn} {e.transfer:<5}"
                f" {e.sender} -> {e.recipient}: {verdict} ({'; '.join(e.reasons)})"
            )
        return "\n".join(lines)

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        root = base64.b64encode(self.checkpoint.root_hash).decode()
        for record, proof in zip(self.records, self.proofs, strict=True):
            e = record.event
            writer.writerow(
                [
                    record.index,
                    e.utc_time.isoformat().replace("+00:00", "Z"),
                    e.tcn.value,
                    e.transfer,
                    e.sender,
                    e.recipient,
                    "true" if e.allowed else "false",
                    "; ".join(e.reasons),
                    " ".join(e.rule_ids),
                    e.policy_hash,
                    " ".join(e.record_digests),
                    base64.b64encode(record.leaf_hash).decode(),
                    proof.tree_size,
                    root,
                    " ".join(base64.b64encode(h).decode() for h in proof.path),
                ]
            )
        return out.getvalue()


def disclosure_report(
    ledger: Ledger, ori: Ori | str, start: dt.date | None = None, end: dt.date | None = None
) -> DisclosureReport:
    """Every entry about ``ori``'s bookings with event time in [start, end), with proofs."""
    agency = ori if isinstance(ori, Ori) else Ori(ori)
    records = ledger.entries_for_ori(agency, start, end)
    checkpoint, proofs = ledger.proofs_for(records)
    return DisclosureReport(agency, start, end, checkpoint, tuple(records), tuple(proofs))
