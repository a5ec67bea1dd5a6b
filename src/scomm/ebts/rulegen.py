"""Derive scomm's compact EBTS 9.1 rule table from the OpenEBTS verification file.

The verification file (``EBTS9.1_verification_OpenEBTS.txt``) is a small language: a
``TRANSACTIONS`` part listing each TOT with the record types it may hold, and a ``FIELDS`` part
where a bracketed header ``[M, CAR, CNA, LSR O, ...]`` (default requirement, then the TOTs it
applies to, each optionally overriding M/O) precedes one or more field definitions::

    2.018  T2_NAM  AS  3-30  1  desc="Name" sca="-, " ... ;

This module turns that into plain JSON (``data/ebts91_rules.json``). Run
``python -m scomm.ebts.rulegen SOURCE TARGET`` to regenerate; a test checks the shipped table
equals what this produces from the reference file.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r'\s+|#[^\n]*|"(?:[^"\\]|\\.)*"|[\[\];,=()]|[^\s\[\];,=()"#]+', re.S)
_FIELD_NUMBER = re.compile(r"(\d+)\.(\d+)(?::|\.\.(\d+)|\.\.\.(\d+))?")
_RANGE = re.compile(r"(\d+|x)(?:-(\d+|x))?")

TABLE_VERSION = 1


def _tokens(text: str) -> list[str]:
    out = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token[0].isspace() or token[0] == "#":
            continue
        out.append(token)
    return out


def _string(token: str) -> str:
    """A quoted value: continuation backslashes dropped, whitespace runs collapsed."""
    inner = token[1:-1].replace("\\\n", " ").replace('\\"', '"')
    return " ".join(inner.split())


def _range(text: str) -> list[int | None] | None:
    """``3-30`` -> [3, 30]; ``1`` -> [1, 1]; ``2-x`` -> [2, None]; ``x`` -> None (unchecked)."""
    match = _RANGE.fullmatch(text)
    if match is None or text == "x":
        return None
    low, high = match.group(1), match.group(2) if match.group(2) is not None else match.group(1)
    return [int(low) if low != "x" else 0, None if high == "x" else int(high)]


def _value_list(text: str) -> list[str] | None:
    """Allowed codes from an ``mmap`` (``CODE:meaning|...``); None for external lists."""
    if text.startswith("file://"):
        return None
    return [part.split(":", 1)[0].strip() for part in text.split("|") if part.strip()]


def _parse_header(tokens: list[str]) -> dict[str, Any]:
    """``[M, CAR, LSR O, ...]`` -> default and per-TOT requirements (None: all TOTs)."""
    entries: list[list[str]] = [[]]
    for token in tokens:
        if token == ",":
            entries.append([])
        else:
            entries[-1].append(token)
    default = entries[0][0] if entries[0] else "O"
    tots: dict[str, str] = {}
    words = [w for entry in entries[1:] for w in (entry or [])]
    last = None
    for word in words:
        if word in ("M", "O") and last is not None:
            tots[last] = word
        else:
            last = word
            tots[word] = default
    return {"default": default, "tots": tots or None}


def _parse_definition(tokens: list[str], header: dict[str, Any]) -> dict[str, Any]:
    number = tokens[0]
    match = _FIELD_NUMBER.fullmatch(number)
    if match is None:
        raise ValueError(f"bad field number {number!r}")
    record_type, field = int(match.group(1)), int(match.group(2))
    rule: dict[str, Any] = {"record": record_type, "field": field}
    if number.endswith(":"):
        rule["grouped"] = True  # a field of several information items
    if match.group(3):
        rule["item"] = int(match.group(3))
    if match.group(4):
        rule["byte_offset"] = int(match.group(4))
        rule["binary_item"] = field
    rule["mnemonic"] = tokens[1]
    rule["charset"] = tokens[2]
    rule["length"] = _range(tokens[3])
    rule["occurs"] = _range(tokens[4])
    if header["tots"] is None:
        rule["required"] = header["default"]
    else:
        required = sorted(t for t, r in header["tots"].items() if r == "M")
        optional = sorted(t for t, r in header["tots"].items() if r == "O")
        rule["tots"] = {"M": required, "O": optional}
    position = 5
    while position < len(tokens):
        key = tokens[position]
        if position + 2 < len(tokens) and tokens[position + 1] == "=":
            value = _string(tokens[position + 2])
            position += 3
            if key == "desc":
                rule["name"] = value
            elif key == "mmap":
                values = _value_list(value)
                if values is None:
                    rule["values_list"] = value.removeprefix("file://")
                else:
                    rule["values"] = values
            elif key == "sca":  # kept verbatim: a space is one of the allowed characters
                rule["special"] = tokens[position - 1][1:-1]
            elif key in ("regex", "nregex", "date"):
                rule[key] = tokens[position - 1][1:-1]
            elif key == "empty":
                rule["empty"] = value
            elif key == "maxlinelen":
                rule["max_line"] = int(value)
            # long_desc and omap (suggested, not enforced values) are left out
        elif position + 3 < len(tokens) and tokens[position + 1] == "(":
            argument = _string(tokens[position + 2])  # greatereq("T2_DOA")
            position += 4
            if position + 1 < len(tokens) and tokens[position] == "=":
                rule[key] = [argument, _string(tokens[position + 1])]  # supportedif("X")="V"
                position += 2
            else:
                rule[key] = argument
        else:
            raise ValueError(f"{number}: unexpected {key!r}")
    return rule


def generate(text: str) -> dict[str, Any]:
    """The rule table for the verification file's text."""
    tokens = _tokens(text.lstrip("\ufeff").replace("\r\n", "\n"))
    if "FIELDS" not in tokens:
        raise ValueError("no FIELDS section")
    split = tokens.index("FIELDS")
    transactions = _transactions(tokens[:split])
    fields = []
    header: dict[str, Any] = {"default": "O", "tots": None}
    position = split + 1
    while position < len(tokens):
        if tokens[position] == "[":
            end = tokens.index("]", position)
            header = _parse_header(tokens[position + 1 : end])
            position = end + 1
            continue
        end = _definition_end(tokens, position)
        fields.append(_parse_definition(tokens[position:end], header))
        position = end + 1 if end < len(tokens) and tokens[end] == ";" else end
    return {
        "version": TABLE_VERSION,
        "source": "EBTS9.1_verification_OpenEBTS.txt (amdonov/OpenEBTS)",
        "transactions": transactions,
        "fields": fields,
    }


def _definition_end(tokens: list[str], position: int) -> int:
    """The ``;`` closing a definition; a few in the file lack it and run into the next ``[``."""
    for end in range(position, len(tokens)):
        if tokens[end] in (";", "["):
            return end
    return len(tokens)


def _transactions(tokens: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pending: list[tuple[str, str]] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token == "TRANSACTIONS":
            position += 2  # the section title
            continue
        if position + 1 < len(tokens) and tokens[position + 1].startswith('"'):
            pending.append((token, _string(tokens[position + 1])))
            position += 2
            continue
        end = tokens.index(";", position)
        records = []
        for spec in tokens[position:end]:
            kinds, counts = spec.split(":")
            types = [int(kinds)] if kinds in ("1", "2", "9", "10", "15") else _types(kinds)
            bounds = _range(counts)
            if bounds is None:
                raise ValueError(f"bad record count {spec!r}")
            records.append({"types": types, "min": bounds[0], "max": bounds[1]})
        for tot, name in pending:
            out[tot] = {"name": name, "records": records}
        pending = []
        position = end + 1
    return out


def _types(kinds: str) -> list[int]:
    """``414`` -> [4, 14], ``713`` -> [7, 13]: the verification file's "either type" codes."""
    return [int(kinds[0]), int(kinds[1:])]


def render(table: dict[str, Any]) -> str:
    """Stable JSON, one rule per line, so that diffs of the table stay readable."""
    head = {k: v for k, v in table.items() if k not in ("transactions", "fields")}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"{json.dumps(key)}: {json.dumps(value, sort_keys=True)},")
    lines.append('"transactions": {')
    tots = list(table["transactions"].items())
    for i, (tot, spec) in enumerate(tots):
        comma = "," if i < len(tots) - 1 else ""
        lines.append(f"{json.dumps(tot)}: {json.dumps(spec, sort_keys=True)}{comma}")
    lines.append("},")
    lines.append('"fields": [')
    rules = table["fields"]
    for i, rule in enumerate(rules):
        comma = "," if i < len(rules) - 1 else ""
        lines.append(json.dumps(rule, sort_keys=True) + comma)
    lines.append("]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m scomm.ebts.rulegen VERIFICATION_FILE OUTPUT_JSON", file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    table = generate(source.read_text(encoding="utf-8"))
    target.write_text(render(table), encoding="utf-8")
    print(f"{len(table['transactions'])} transactions, {len(table['fields'])} field rules")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
