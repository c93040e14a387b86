"""Show notes and titles made safe for every output (RSS, JSON Feed, HTML pages).

Notes are written in Markdown or HTML; both become HTML through markdown-it (raw HTML
passes through) and are then cleaned by nh3 (the Rust ammonia sanitiser) with an
allowlist, so no script, event handler or style from metadata survives. Characters that
XML 1.0 cannot carry (most C0 controls), and DEL and the C1 controls, are removed from
all text first, the same way for every output, so the feeds always parse alike.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
# DEL and the C1 controls (U+007F-U+009F) are legal XML but discouraged, and parsers
# disagree on them (feedparser reads U+0091 as a Windows-1252 quote): removed as well.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
# Text that Markdown would leave as it is: one paragraph, no markup characters, no
# block markers. It skips the parser (the common case for short notes at scale).
_PLAIN = re.compile(r"^(?![-+>#=]|\d+[.)]\s)[^\n*_`\\\[\]<>&!|~]*$")

# Apple allows p, ol, ul, li and a in descriptions; the rest are harmless inline markup
# that podcast apps render or drop.
ALLOWED_TAGS = {"p", "br", "ol", "ul", "li", "a", "em", "strong", "b", "i", "blockquote", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})


def clean_text(value: str) -> str:
    """One-line text (titles, names): XML-illegal characters removed, spaces folded."""
    return _SPACES.sub(" ", _NOT_XML.sub("", value)).strip()


@lru_cache(maxsize=4096)
def notes_html(text: str) -> str:
    """Markdown or HTML show notes -> sanitised HTML fragment.

    Example:
        >>> notes_html("Hello *world* <script>alert(1)</script>")
        '<p>Hello <em>world</em> </p>'
    """
    text = _NOT_XML.sub("", text or "").strip()
    if _PLAIN.match(text):
        return f"<p>{text}</p>" if text else ""
    return sanitise_html(_markdown.render(text))


def sanitise_html(text: str, tags: set[str] = ALLOWED_TAGS,
                  attributes: dict[str, set[str]] = ALLOWED_ATTRIBUTES) -> str:
    """HTML -> the allowed tags and attributes only: no script, handler or style survives.

    The one sanitiser for everything from metadata (show notes, HTML transcripts).
    """
    cleaned = nh3.clean(
        _NOT_XML.sub("", text),
        tags=tags,
        clean_content_tags={"script", "style"},
        attributes=attributes,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer" if "a" in tags else None,
    )
    return cleaned.strip()


@lru_cache(maxsize=4096)
def notes_text(text: str) -> str:
    """Show notes as plain text, for summaries and itunes:summary."""
    stripped = nh3.clean(notes_html(text), tags=set(), clean_content_tags={"script", "style"})
    return _SPACES.sub(" ", html.unescape(stripped)).strip()


def fit_html(text: str, limit: int = 4000) -> str:
    """Show notes as HTML of at most ``limit`` UTF-8 bytes, for RSS ``<description>``.

    Apple reads at most 4000 bytes there. Notes that fit are kept whole; longer ones become
    their plain text cut at a word, in one paragraph (the feed keeps the full HTML in
    ``content:encoded``).
    """
    rendered = notes_html(text)
    if len(rendered.encode("utf-8")) <= limit:
        return rendered
    plain = notes_text(text)

    def paragraph(words: str) -> str:
        return f"<p>{html.escape(words, quote=False)}…</p>"

    low, high = 0, len(plain)       # the longest prefix that fits, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if len(paragraph(plain[:middle]).encode("utf-8")) <= limit:
            low = middle
        else:
            high = middle - 1
    cut = plain[:low]
    if " " in cut[-200:]:
        cut = cut.rsplit(" ", 1)[0]
    return paragraph(cut.rstrip(",.;: "))


def summary(text: str, limit: int = 250) -> str:
    """The first ``limit`` characters of the plain-text notes, cut at a word."""
    plain = notes_text(text)
    if len(plain) <= limit:
        return plain
    return plain[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
