"""Reading YAML policy text with line numbers: every problem becomes a ``PolicyIssue``.

Hardened for untrusted files: dates stay text for the schema to judge, characters YAML forbids,
alias bombs and deep nesting are refused with a line, never a crash or a hang.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode


@dataclass(frozen=True, slots=True)
class PolicyIssue:
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class PolicyError(ValueError):
    """A policy file that cannot be used; ``issues`` lists every problem with its line."""

    def __init__(self, issues: list[PolicyIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in issues))


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: the schema parses them and names a bad one,
    where PyYAML would raise a bare ``ValueError`` for ``2009-13-01``."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, source: str) -> tuple[Node, Any]:
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            raise PolicyError([PolicyIssue(source, 1, "the policy file is empty")])
        size = _expanded_size(node, {})
        if size > MAX_NODES:
            message = f"too large: {size:,} values once aliases are expanded (limit {MAX_NODES:,})"
            raise PolicyError([PolicyIssue(source, 1, message)])
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise PolicyError(
            [PolicyIssue(source, _yaml_error_line(exc, text), _problem(exc))]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise PolicyError([PolicyIssue(source, 1, "a policy file must be a mapping (name, rules)")])
    return node, data


MAX_NODES = 200_000


def _expanded_size(node: Node, memo: dict[int, int]) -> int:
    """How many values the document holds with every alias expanded (computed, not expanded),
    so that a few lines of nested aliases cannot make validation run for ever."""
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = MAX_NODES + 1  # a cycle counts as too large
    if isinstance(node, MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, SequenceNode):
        size = 1 + sum(_expanded_size(item, memo) for item in node.value)
    else:
        size = 1
    memo[id(node)] = min(size, MAX_NODES + 1)
    return memo[id(node)]


def _yaml_error_line(exc: yaml.YAMLError, text: str) -> int:
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    position = getattr(exc, "position", None)  # ReaderError: a character YAML does not allow
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else 0


def _problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None)
    if isinstance(exc, yaml.reader.ReaderError):
        problem = f"character U+{exc.character:04X} is not allowed"
    return f"not valid YAML: {problem or exc}"


def line_of(node: Node, path: tuple[int | str, ...]) -> int:
    """The 1-based line of the YAML node at ``path`` (parts that are not in the tree skipped)."""
    line = node.start_mark.line + 1
    for part in path:
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
    return line


def pydantic_issue(source: str, node: Node, error: Any) -> PolicyIssue:
    loc = tuple(error["loc"])
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if error["type"] == "extra_forbidden":
        message = f"{where}: unknown key {loc[-1]!r}"
    elif error["type"] == "missing":
        message = f"{where}: required key is missing"
    else:
        got = repr(error.get("input"))
        got = got if len(got) <= 60 else got[:57] + "..."
        message = f"{where}: {error['msg']} (got {got})"
    return PolicyIssue(source, line_of(node, loc), message)
