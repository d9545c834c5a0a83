"""Make template output ``terraform fmt``-clean without running terraform.

Templates write ``name = value`` with single spaces; this pass does what ``terraform fmt`` (hclwrite)
does on top: aligns the ``=`` of consecutive one-line attributes, and tidies blank lines the way a person
would (never two in a row, none just inside braces, one newline at the end). hclwrite's rule for
alignment: a line takes part when its first ``=`` is not the first token and the brackets after it
balance; any other line (blank, comment, block header, ``key = {`` opening a multi-line value) ends the
run. The test suite checks the result with the real ``terraform fmt -check``.
"""

from __future__ import annotations

import re

# What the scan of a line stops at: string quotes and escapes, brackets, equals signs; the rest is skipped
# in C by the regular expression.
_SPECIAL = re.compile(r'[\\"()\[\]{}=]')
_OPEN = "([{"
_CLOSE = ")]}"


def format_hcl(text: str) -> str:
    # A module folder called by many module blocks (a fleet's endpoints) renders the same text for each.
    done = _FORMATTED.get(text)
    if done is None:
        if len(_FORMATTED) >= _FORMATTED_MAX:
            _FORMATTED.clear()
        done = _FORMATTED[text] = _format(text)
    return done


_FORMATTED: dict[str, str] = {}
_FORMATTED_MAX = 256


def _format(text: str) -> str:
    """One pass: blank lines tidied (never two in a row, none just inside brackets, none at the end) while
    the ``=`` of consecutive one-line attributes are aligned."""
    out: list[str] = []
    run: list[tuple[str, str]] = []  # (lead, rest) of the current alignment run
    seen = _SEEN
    last = ""  # the last line kept that is not blank
    blank = False  # a blank line is pending: kept unless the next line closes a bracket, or none follows

    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            if last and not blank and not last.endswith(_OPENERS):
                blank = True
            continue
        if blank:
            blank = False
            if not line.lstrip().startswith(_CLOSERS):
                if run:
                    _flush(run, out)
                out.append("")
        last = line
        split = seen.get(line, _UNSEEN)
        if split is _UNSEEN:
            if len(seen) >= _SEEN_MAX:  # a long-lived process (the test suite) renders many trees
                seen.clear()
            split = seen[line] = _assignment(line)
        if split is None:
            if run:
                _flush(run, out)
            out.append(line)
        else:
            run.append(split)
    if run:
        _flush(run, out)
    return "\n".join(out) + "\n"


_OPENERS = ("{", "[", "(")
_CLOSERS = ("}", "]", ")")


# Lines repeat across the files of a render (and across the modules of a fleet): each is split once per
# process. The split of a line depends on the line alone.
_SEEN: dict[str, tuple[str, str] | None] = {}
_UNSEEN = ("", "")  # never a split: a split's lead is never empty
_SEEN_MAX = 200_000


def _flush(run: list[tuple[str, str]], out: list[str]) -> None:
    if len(run) == 1:
        lead, rest = run[0]
        out.append(f"{lead} {rest}")
    else:
        width = max([len(lead) for lead, _ in run])
        out.extend([f"{lead.ljust(width)} {rest}" for lead, rest in run])
    run.clear()


def _assignment(line: str) -> tuple[str, str] | None:
    """Split ``line`` into (lead, "= rest") when hclwrite would align it, else None."""
    if "=" not in line:
        return None
    stripped = line.lstrip()
    if not stripped or stripped.startswith(("#", "//", "/*")):
        return None
    depth = 0
    in_string = False
    eq = -1
    skip = -1  # the character after a backslash inside a string
    for match in _SPECIAL.finditer(line):
        i = match.start()
        if i == skip:
            continue
        ch = line[i]
        if in_string:
            if ch == "\\":
                skip = i + 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif ch == "=" and eq < 0 and depth == 0:
            prev = line[i - 1] if i else ""
            nxt = line[i + 1] if i + 1 < len(line) else ""
            if prev not in "=!<>" and nxt not in "=>":
                eq = i
                depth = 0  # count the brackets of the value alone
    if eq <= len(line) - len(stripped) or depth != 0:
        return None
    return line[:eq].rstrip(), line[eq:].rstrip()
