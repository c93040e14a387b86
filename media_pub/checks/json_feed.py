"""JSON Feed 1.1 checks (STANDARDS 6): version, title, items, ids, content, attachments."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from media_pub import site
from media_pub.checks.finding import Finding, Severity, read_source
from media_pub.checks.tables import FEED_SIZE_WARNING

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def validate_json_feed(source: bytes | Path, *, build_dir: Path | None = None,
                       base_url: str | None = None) -> list[Finding]:
    """Check a JSON Feed 1.1 (STANDARDS 6): version, title, items, ids, content, attachments."""
    data = read_source(source)
    findings: list[Finding] = []

    def add(rule: str, severity: Severity, element: str, message: str, fix: str) -> None:
        findings.append(Finding(rule, severity, element, message, fix))

    if len(data) > FEED_SIZE_WARNING:
        add("feed.size", Severity.WARNING, "feed", f"{len(data) / 1e6:.1f} MB; JSON Feed calls 1 MB a "
            "burden on readers", "paginate with next_url or drop old items")
    try:
        feed = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        add("json.syntax", Severity.ERROR, "feed", f"not valid JSON: {error}", "write it with a JSON library")
        return findings
    except RecursionError:
        add("json.syntax", Severity.ERROR, "feed", "nested too deeply to read", "write it with a JSON library")
        return findings
    if not isinstance(feed, dict):
        add("json.syntax", Severity.ERROR, "feed", "the top level is not an object", "write a JSON object")
        return findings
    version = feed.get("version")
    if version == "https://jsonfeed.org/version/1":
        add("json.version", Severity.WARNING, "version", "JSON Feed 1.0", f"write {JSON_FEED_VERSION}")
    elif version != JSON_FEED_VERSION:
        add("json.version", Severity.ERROR, "version", f"{version!r} is not a JSON Feed version URL",
            f'write "version": "{JSON_FEED_VERSION}" first')
    if not isinstance(feed.get("title"), str) or not feed["title"].strip():
        add("json.title", Severity.ERROR, "title", "missing or empty title", "add the show's title")
    for key in ("feed_url", "home_page_url"):
        if not isinstance(feed.get(key), str):
            add("json.urls", Severity.WARNING, key, f"no {key}", f"add {key}; the spec treats it as required "
                "on the public web")
    authors = feed.get("authors") or []
    if not isinstance(authors, list):
        add("json.authors", Severity.ERROR, "authors", "authors is not an array", 'write "authors": [{"name": ...}]')
        authors = []
    for index, author in enumerate(authors):
        if not isinstance(author, dict) or not any(author.get(k) for k in ("name", "url", "avatar")):
            add("json.authors", Severity.ERROR, f"authors[{index}]", "an author needs a name, url or avatar",
                "add a name")
    items = feed.get("items")
    if not isinstance(items, list):
        add("json.items", Severity.ERROR, "items", "items is missing or not an array", 'add "items": []')
        return findings
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            add("json.items", Severity.ERROR, where, "not an object", "write each item as an object")
            continue
        item_id = item.get("id")
        if isinstance(item_id, (int, float)) and not isinstance(item_id, bool):
            add("json.item.id", Severity.WARNING, f"{where}.id", "a number; readers coerce it to a string",
                "write the id as a string")
            item_id = str(item_id)
        if not isinstance(item_id, str) or not item_id.strip():
            add("json.item.id", Severity.ERROR, f"{where}.id", "missing or empty id; readers drop the item",
                "use the same stable id as the RSS guid")
        elif item_id in seen:
            add("json.item.id.unique", Severity.ERROR, f"{where}.id", f"the same id as items[{seen[item_id]}]",
                "give every item its own id")
        else:
            seen[item_id] = index
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            add("json.item.content", Severity.ERROR, where, "neither content_html nor content_text",
                "add content_html (show notes) or content_text")
        for key in ("date_published", "date_modified"):
            if key in item and not _rfc3339(item[key]):
                add("json.date", Severity.ERROR, f"{where}.{key}", f"{item[key]!r} is not RFC 3339",
                    "write e.g. 2024-05-09T14:04:00Z")
        attachments = item.get("attachments") or []
        if not isinstance(attachments, list):
            add("json.attachment", Severity.ERROR, f"{where}.attachments", "attachments is not an array",
                'write "attachments": [{"url": ..., "mime_type": ...}]')
            attachments = []
        for number, attachment in enumerate(attachments):
            element = f"{where}.attachments[{number}]"
            if not isinstance(attachment, dict) or not all(
                    isinstance(attachment.get(k), str) and attachment[k] for k in ("url", "mime_type")):
                add("json.attachment", Severity.ERROR, element, "an attachment needs url and mime_type",
                    "add both")
                continue
            size = attachment.get("size_in_bytes")
            url = attachment["url"]
            attachment_key = site.key_of(base_url, url) if build_dir and base_url else None
            if build_dir and attachment_key is not None:
                path = (build_dir / attachment_key).resolve()
                if not path.is_relative_to(build_dir.resolve()):
                    continue
                if not path.is_file():
                    add("local.missing", Severity.ERROR, f"{element}.url", f"{url} is not in the build "
                        "directory", "build again")
                elif isinstance(size, int) and size != path.stat().st_size:
                    add("json.attachment.size", Severity.ERROR, f"{element}.size_in_bytes",
                        f"{size}, but the file is {path.stat().st_size} bytes",
                        f"write {path.stat().st_size}")
    return findings


def _rfc3339(value: object) -> bool:
    if not isinstance(value, str) or not re.match(
            r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
