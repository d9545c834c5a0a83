"""Text preprocessing Lambda: deterministic regex tokenisation -> vocabulary ids, truncated / padded.

MLINFRA_SETTINGS::

    {"max_tokens": 128, "lowercase": true, "vocabulary": ["[PAD]", "[UNK]", "hello", ...]}
    {"max_tokens": 128, "lowercase": true, "vocabulary_file": "vocab.txt"}

``vocabulary_file`` is one token per line (the line number is the id), UTF-8, relative to the function's
package root (``LAMBDA_TASK_ROOT``); prefer it to an inline list, as a function's environment holds
4 KB at most. The vocabulary must contain ``[PAD]`` and ``[UNK]``.

The request body is ``{"text": "..."}``. The text is lower-cased when ``lowercase`` is set,
NFC-normalised, and split into words (``\\w+``) and single punctuation marks (``[^\\w\\s]``); each
token becomes its id (``[UNK]``'s id when unknown), the first ``max_tokens`` are kept and the rest is
padded with ``[PAD]``'s id. The endpoint receives ``{"input_ids": [...]}``.

Handler: ``mlinfra_lambdas.text.handler``.
"""

from __future__ import annotations

import re
import unicodedata

from . import core

KIND = "text"
DEFAULT_MAX_BODY = 64 * core.KIB
PAD = "[PAD]"
UNK = "[UNK]"
MAX_TOKENS = 65536
TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str, lowercase: bool, limit: int | None = None) -> list[str]:
    """The tokens of ``text``: words and single punctuation marks, in order (at most ``limit``)."""
    if lowercase:
        text = text.lower()
    text = unicodedata.normalize("NFC", text)
    if limit is None:
        return TOKEN.findall(text)
    out = []
    for match in TOKEN.finditer(text):
        if len(out) == limit:
            break
        out.append(match.group())
    return out


class TextPreprocessor:
    """Tokens -> ids through a fixed vocabulary."""

    fields = ("text",)
    payload_key = "input_ids"

    def __init__(self, settings: dict, task_root: str):
        core.check_keys(settings, ("max_tokens", "lowercase", "vocabulary", "vocabulary_file"))
        max_tokens = settings.get("max_tokens")
        if type(max_tokens) is not int or not 1 <= max_tokens <= MAX_TOKENS:
            raise core.ConfigError(f"MLINFRA_SETTINGS.max_tokens: must be an integer in [1, {MAX_TOKENS}]")
        lowercase = settings.get("lowercase", False)
        if not isinstance(lowercase, bool):
            raise core.ConfigError("MLINFRA_SETTINGS.lowercase: must be true or false")
        self.max_tokens = max_tokens
        self.lowercase = lowercase
        tokens = _vocabulary(settings, task_root)
        ids = {}
        for i, token in enumerate(tokens):
            if token in ids:
                raise core.ConfigError(f"vocabulary: {token!r} is listed twice (ids {ids[token]} and {i})")
            ids[token] = i
        for special in (PAD, UNK):
            if special not in ids:
                raise core.ConfigError(f"vocabulary: must contain {special}")
        self.ids = ids
        # The cache key's: the tokens themselves, so editing a vocabulary file changes every key.
        self.key_settings = {"lowercase": lowercase, "max_tokens": max_tokens, "vocabulary": tokens}
        self.pad_id = ids[PAD]
        self.unk_id = ids[UNK]

    def features(self, body: dict) -> list[int]:
        text = body.get("text")
        if text is None:
            raise core.bad_request("text", "required (a string)")
        if not isinstance(text, str):
            raise core.bad_request("text", "must be a string")
        return self.encode(text)

    def encode(self, text: str) -> list[int]:
        get, unk = self.ids.get, self.unk_id
        ids = [get(token, unk) for token in tokenize(text, self.lowercase, self.max_tokens)]
        ids.extend([self.pad_id] * (self.max_tokens - len(ids)))
        return ids


def _vocabulary(settings: dict, task_root: str) -> list[str]:
    inline, path = settings.get("vocabulary"), settings.get("vocabulary_file")
    if (inline is None) == (path is None):
        raise core.ConfigError("MLINFRA_SETTINGS: give exactly one of vocabulary and vocabulary_file")
    if inline is not None:
        if not isinstance(inline, list) or not all(isinstance(t, str) and t for t in inline):
            raise core.ConfigError("MLINFRA_SETTINGS.vocabulary: must be a list of non-empty strings")
        return inline
    content = core.read_package_file(path, task_root, "vocabulary_file")
    lines = [line.removesuffix("\r") for line in content.split("\n")]
    while lines and not lines[-1]:
        lines.pop()  # a trailing newline
    if not all(lines):
        raise core.ConfigError(f"MLINFRA_SETTINGS.vocabulary_file: {path} has an empty line")
    return lines


def build(settings: dict, config: core.Config) -> TextPreprocessor:
    return TextPreprocessor(settings, config.task_root)


# The Lambda entry point (`mlinfra_lambdas.text.handler`) and the test seams.
handler, configure, reset = core.entry_points(KIND, build, DEFAULT_MAX_BODY)
