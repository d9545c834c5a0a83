"""Make template output ``terraform fmt``-clean without running terraform.

Templates write ``name = value`` with single spaces; this pass does what ``terraform fmt`` (hclwrite)
does on top: aligns the ``=`` of consecutive one-line attributes, and tidies blank lines the way a person
would (never two in a row, none just inside braces, one newline at the end). hclwrite's rule for
alignment: a line takes part when its first ``=`` is not the first token and the brackets after it
balance; any other line (blank, comment, block header, ``key = {`` opening a multi-line value) ends the
run. The test suite checks the result with the real ``terraform fmt -check``.
"""

from __future__ import annotations

_OPEN = "([{"
_CLOSE = ")]}"


def format_hcl(text: str) -> str:
    lines = _tidy_blank_lines([line.rstrip() for line in text.splitlines()])
    out: list[str] = []
    run: list[tuple[str, str]] = []  # (lead, rest) of the current alignment run

    def flush() -> None:
        width = max((len(lead) for lead, _ in run), default=0)
        out.extend(f"{lead.ljust(width)} {rest}" for lead, rest in run)
        run.clear()

    for line in lines:
        split = _assignment(line)
        if split is None:
            flush()
            out.append(line)
        else:
            run.append(split)
    flush()
    return "\n".join(out).strip("\n") + "\n"


def _tidy_blank_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not line:
            if not out or not out[-1] or out[-1].endswith(("{", "[", "(")):
                continue
        elif line.lstrip().startswith(("}", "]", ")")) and out and not out[-1]:
            out.pop()
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def _assignment(line: str) -> tuple[str, str] | None:
    """Split ``line`` into (lead, "= rest") when hclwrite would align it, else None."""
    stripped = line.lstrip()
    if not stripped or stripped.startswith(("#", "//", "/*")):
        return None
    depth = 0
    i = 0
    in_string = False
    eq = -1
    while i < len(line):
        ch = line[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
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
        i += 1
    if eq <= len(line) - len(stripped) or depth != 0:
        return None
    return line[:eq].rstrip(), line[eq:].rstrip()
