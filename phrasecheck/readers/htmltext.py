"""HTML message bodies (Zendesk, Intercom, Freshdesk) as the plain text a customer read.

Block elements (p, div, li, tr, headings…) and ``<br>`` end a line; entities are decoded; runs of
white space become one space and blank lines go.  What the agent did not write in this message is
left out: ``<script>``/``<style>``, and quoted earlier mail (``<blockquote>``, and elements whose
class names a quote: ``gmail_quote``, ``freshdesk_quote``, ``zendesk_quote``…), which would
otherwise put the customer's words in the agent's turn.  `message_text` takes a body that may be
either (Zendesk QA's markdown or HTML comments): plain text keeps its lines.

Python's `HTMLParser` (before 3.13.4) takes quadratic time on markup left open (``<a <a <a…``,
``<!--`` without its end): a 30 KB body took minutes.  So comments, declarations and processing
instructions are cut out first, and a ``<`` whose ``>`` does not come before the next ``<`` is
text (as the parser would have shown it): every tag the parser then sees is closed, and reading
is linear.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = frozenset(("address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "footer", "form", "h1",
                    "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
                    "table", "td", "th", "tr", "ul"))
_LEFT_OUT = frozenset(("script", "style", "head", "title", "template", "blockquote"))
_VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"))
_QUOTE_CLASS = re.compile(r"quote", re.IGNORECASE)
_SPACE = re.compile(r"[^\S\n]+")
_DECLARATION = re.compile(r"<[!?][^<>]*>")
_UNCLOSED = re.compile(r"<(?=[^<>]*(?:<|\Z))")
_MARKUP = re.compile(r"<(?:/?(?:p|div|br|span|a|b|i|u|em|strong|ul|ol|li|blockquote|table|tr|td|img|h[1-6]|pre|code)\b"
                     r"|!--)", re.IGNORECASE)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.left_out: list[str] = []  # the open elements being left out, innermost last

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.left_out:
            if tag not in _VOID:
                self.left_out.append(tag)
            return
        if tag in _LEFT_OUT or any(name == "class" and value and _QUOTE_CLASS.search(value) for name, value in attrs):
            if tag not in _VOID:
                self.left_out.append(tag)
            return
        if tag == "br" or tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.left_out:
            if tag in self.left_out:  # also closes elements left open inside it
                del self.left_out[len(self.left_out) - 1 - self.left_out[::-1].index(tag):]
            return
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.left_out:
            self.parts.append(data.replace("\n", " "))


def html_to_text(html: str) -> str:
    """The text of an HTML body (rules in the module docstring)."""
    parser = _Text()
    parser.feed(_UNCLOSED.sub("&lt;", _DECLARATION.sub("", _without_comments(html))))
    parser.close()
    return _tidy("".join(parser.parts))


def _without_comments(html: str) -> str:
    """`html` without its comments; one left open runs to the end."""
    parts, at = [], 0
    while (start := html.find("<!--", at)) >= 0:
        parts.append(html[at:start])
        end = html.find("-->", start + 4)
        at = len(html) if end < 0 else end + 3
    parts.append(html[at:])
    return "".join(parts)


def message_text(body: str) -> str:
    """An HTML body as text, or a plain one with its white space tidied."""
    if _MARKUP.search(body):
        return html_to_text(body)
    return _tidy(body)


def _tidy(text: str) -> str:
    """Runs of white space as one space, lines stripped, blank lines gone."""
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
