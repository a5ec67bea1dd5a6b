"""The agencies of Secure Communities as pipeline stages, and the one disclosure gate (issue 8).

LEA, SIB, CJIS, IDENT, LESC and the ERO field office (:mod:`scomm.agencies.actors`) exchange
EBTS bytes; every hand-over between agencies passes :class:`DisclosureGate` (policy decision,
ledger entry, then enqueue, in one transaction). :class:`PipelineWorker` drains the stages on
the durable work channel; :func:`enter_bookings` is the booking desk. Identification is a
service handed to CJIS and IDENT: ``oracle`` (:mod:`scomm.agencies.oracle`) or ``full``.
See docs/pipeline.md.
"""

from scomm.agencies.actors import Agencies, BookingRecord, Step
from scomm.agencies.context import RunContexts, finish_run, open_run, policy_by_name
from scomm.agencies.decisions import (
    DetainerChoice,
    DetainerRule,
    NoRecordsStatusCheck,
    PriorityDetainerRule,
    StatusCheck,
    StatusFinding,
)
from scomm.agencies.gate import DisclosureGate, Handover, Passage
from scomm.agencies.identification import (
    Candidate,
    IdentificationService,
    Probe,
    SearchOutcome,
)
from scomm.agencies.intake import Intake, enter_bookings
from scomm.agencies.oracle import (
    ErrorRates,
    OracleGallery,
    OracleSearch,
    finger_token,
    oracle_car,
    oracle_cars,
)
from scomm.agencies.routing import STAGES, MessageKey
from scomm.agencies.runner import PipelineWorker, RunContext, StageRunner
from scomm.agencies.services import standard_services

__all__ = [
    "STAGES",
    "Agencies",
    "BookingRecord",
    "Candidate",
    "DetainerChoice",
    "DetainerRule",
    "DisclosureGate",
    "ErrorRates",
    "Handover",
    "IdentificationService",
    "Intake",
    "MessageKey",
    "NoRecordsStatusCheck",
    "OracleGallery",
    "OracleSearch",
    "Passage",
    "PipelineWorker",
    "PriorityDetainerRule",
    "Probe",
    "RunContext",
    "RunContexts",
    "SearchOutcome",
    "StageRunner",
    "StatusCheck",
    "StatusFinding",
    "Step",
    "enter_bookings",
    "finger_token",
    "finish_run",
    "open_run",
    "oracle_car",
    "oracle_cars",
    "policy_by_name",
    "standard_services",
]
