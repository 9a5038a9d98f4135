"""Decoding a text file the way Chinese teams save them: UTF-8 (with or without a BOM), else GBK.

Shared by the input readers and the house word lists, so both accept and refuse the same bytes
with the same one-line message.
"""

from __future__ import annotations

from .errors import PhrasecheckError


def decode_text(data: bytes, name: str, first_line: int = 1, error: type[PhrasecheckError] = PhrasecheckError) -> str:
    """UTF-8 (a BOM is dropped), else GB 18030 (which reads GBK); NUL bytes are refused first.
    A failure raises `error` naming the file and the line."""
    nul = data.find(b"\0")
    if nul >= 0:
        line = first_line + data.count(b"\n", 0, nul)
        raise error(f"{name}:{line}: NUL bytes: binary data or UTF-16 text, expected UTF-8 or GBK text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            line = first_line + data[: utf8_error.start].count(b"\n")
            raise error(f"{name}:{line}: cannot decode the file: expected UTF-8, UTF-8 with BOM or GBK") from None
