"""Check an RSS podcast feed against what Apple Podcasts, Spotify and Podcasting 2.0 accept.

Works on any RSS feed, not only ours. Files are read from the build directory when a URL
maps under ``base_url``: then the enclosure's length, type and duration and the artwork's
pixels are checked against the real file. Other artwork can be fetched by URL
(``fetch_images``). The tables the rules read live in tables.py.
"""

from __future__ import annotations

import email.utils
import re
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from lxml import etree

from media_pub import site
from media_pub.checks import readiness
from media_pub.checks.artwork import artwork_problems
from media_pub.checks.finding import Finding, Severity, read_source
from media_pub.checks.tables import (
    APPLE_CATEGORIES,
    APPLE_ENCLOSURE_TYPES,
    ATOM,
    DURATION,
    EMAIL,
    FEED_SIZE_WARNING,
    FETCH_LIMIT,
    ISO_639_1,
    ITUNES,
    LANGUAGE,
    MAX_DESCRIPTION_BYTES,
    MAX_DURATION_SECONDS,
    MAX_TEXT,
    PODCAST,
    PODCAST_ALT,
    PODCAST_MEDIA,
    PREFIXES,
    RFC2822,
    TYPE_ALIASES,
    UUID_TEXT,
    WEEKDAYS,
)
from media_pub.errors import MediaError
from media_pub.media.probe import probe
from media_pub.model import MediaInfo
from media_pub.outputs.ids import PODCAST_GUID_NAMESPACE, podcast_guid
from media_pub.state import ProbeCache


def _parser() -> etree.XMLParser:
    # No entities, no DTDs, no network: a hostile feed cannot read files or explode memory.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)



def validate_feed(source: bytes | Path, *, build_dir: Path | None = None, base_url: str | None = None,
                  fetch_images: bool = False, probe_cache: ProbeCache | None = None,
                  readiness: bool = False) -> list[Finding]:
    """Check an RSS podcast feed; return the findings, errors and warnings, in feed order.

    ``readiness`` adds the directory-readiness warnings (readiness.py).

    Example:
        >>> [f.rule for f in validate_feed(b"<rss/>")]
        ['rss.channel']
    """
    check = _FeedCheck(read_source(source), build_dir, base_url, fetch_images)
    check.readiness = readiness
    if probe_cache is not None:
        check.probe = probe_cache.probe
    return list(check.run())


class _FeedCheck:
    def __init__(self, data: bytes, build_dir: Path | None, base_url: str | None, fetch_images: bool):
        self.data = data
        self.build_dir = build_dir.resolve() if build_dir else None
        self.base_url = base_url
        self.fetch_images = fetch_images
        self.readiness = False
        self.show_image: str | None = None
        self.probe: Callable[[Path], MediaInfo] = probe   # the project's ProbeCache when validating a build
        self._art: dict[tuple[str, bool], list[tuple[str, Severity, str, str]]] = {}

    # -- helpers ---------------------------------------------------------------------
    def error(self, rule: str, element: str, message: str, fix: str) -> Finding:
        return Finding(rule, Severity.ERROR, element, message, fix)

    def warning(self, rule: str, element: str, message: str, fix: str) -> Finding:
        return Finding(rule, Severity.WARNING, element, message, fix)

    def local(self, url: str) -> Path | None:
        """The build-dir file a public URL maps to, or None when it is not ours."""
        key = site.key_of(self.base_url, url) if self.build_dir and self.base_url else None
        if key is None or self.build_dir is None:
            return None
        path = (self.build_dir / key).resolve()
        return path if path.is_relative_to(self.build_dir) else None

    # -- the run ---------------------------------------------------------------------
    def run(self) -> Iterator[Finding]:
        if len(self.data) > FEED_SIZE_WARNING:
            yield self.warning("feed.size", "rss", f"the feed is {len(self.data) / 1e6:.1f} MB; apps "
                               "download it whole on every refresh", "keep it under 1 MB: shorten old show "
                               "notes or drop the oldest episodes")
        try:
            root = etree.fromstring(self.data, _parser())
        except etree.XMLSyntaxError as error:
            yield self.error("xml.wellformed", "rss", f"not well-formed XML: {error}",
                             "escape & and < in text, or write the feed with an XML library")
            return
        yield from self.check_encoding()
        channel = root.find("channel")
        if root.tag != "rss" or channel is None:
            yield self.error("rss.channel", root.tag if isinstance(root.tag, str) else "rss",
                             "not an RSS 2.0 feed: expected <rss version=\"2.0\"><channel>",
                             "wrap the show in <rss version=\"2.0\"><channel>...</channel></rss>")
            return
        if root.get("version") != "2.0":
            yield self.error("rss.version", "rss", f"version is {root.get('version')!r}, not '2.0'",
                             'write <rss version="2.0">')
        yield from self.check_namespaces(root)
        yield from self.check_channel(channel)
        items = channel.findall("item")
        if not items:
            yield self.error("rss.item.none", "channel", "the feed has no episodes",
                             "publish at least one episode with an enclosure")
        serial = (channel.findtext(f"{{{ITUNES}}}type") or "").strip() == "serial"
        guids: dict[str, int] = {}
        enclosures: dict[str, int] = {}
        for number, item in enumerate(items, 1):
            yield from self.check_item(item, f"item[{number}]", serial, number, guids, enclosures)
        if self.readiness:
            yield from readiness.check_channel(channel)

    def check_encoding(self) -> Iterator[Finding]:
        match = re.match(rb"<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)", self.data.lstrip(b"\xef\xbb\xbf"))
        if match and match.group(1).decode().lower().replace("_", "-") not in ("utf-8", "utf8"):
            yield self.warning("rss.encoding", "rss", f"encoded as {match.group(1).decode()}",
                               "write the feed as UTF-8 (Apple asks for UTF-8)")

    def check_namespaces(self, root: etree._Element) -> Iterator[Finding]:
        uris = {el.tag.split("}")[0][1:] for el in root.iter() if isinstance(el.tag, str) and "}" in el.tag}
        uris |= set(root.nsmap.values())
        wrong = [uri for uri in uris if uri and uri.lower() == ITUNES.lower() and uri != ITUNES]
        for uri in wrong:
            yield self.error("apple.namespace", "rss", f"the itunes namespace is declared as {uri!r}; "
                             "Apple ignores every itunes: tag unless it matches exactly",
                             f'declare xmlns:itunes="{ITUNES}" (case-sensitive)')
        if ITUNES not in uris and not wrong:
            yield self.error("apple.namespace", "rss", "the itunes namespace is not declared; Apple "
                             "needs itunes:image, itunes:category and itunes:explicit",
                             f'declare xmlns:itunes="{ITUNES}" on <rss> and add the itunes: tags')

    # -- channel ---------------------------------------------------------------------
    def check_channel(self, channel: etree._Element) -> Iterator[Finding]:
        for tag, why in (("title", "the show's name"), ("link", "the show's website"),
                         ("description", "what the show is about")):
            if not (channel.findtext(tag) or "").strip():
                yield self.error(f"rss.channel.{tag}", f"channel/{tag}", f"missing or empty <{tag}>",
                                 f"add <{tag}> with {why} (RSS 2.0 requires it)")
        yield from self.check_texts(channel, "channel")
        yield from self.check_dates(channel, "channel", ("lastBuildDate", "pubDate"), required=False)
        yield from self.check_language(channel)
        yield from self.check_categories(channel)
        yield from self.check_explicit(channel, "channel", required=True)
        yield from self.check_owner(channel)
        yield from self.check_image(channel, "channel", required=True)
        if not (channel.findtext(f"{{{ITUNES}}}author") or "").strip():
            yield self.warning("apple.author", "channel/itunes:author", "no itunes:author",
                               "add <itunes:author> with the person, group or network behind the show")
        show_type = channel.findtext(f"{{{ITUNES}}}type")
        if show_type is not None and show_type.strip() not in ("episodic", "serial"):
            yield self.error("apple.type", "channel/itunes:type", f"{show_type!r} is not a show type",
                             "write episodic or serial")
        if (channel.findtext(f"{{{ITUNES}}}block") or "").strip() == "Yes":
            yield self.warning("apple.block", "channel/itunes:block", "itunes:block is Yes: Apple "
                               "hides the whole show", "remove <itunes:block> to list the show")
        yield from self.check_self_link(channel)
        yield from self.check_podcast_channel(channel)
        yield from self.check_urls(channel, "channel")

    def check_texts(self, parent: etree._Element, where: str) -> Iterator[Finding]:
        for child in parent:
            if not isinstance(child.tag, str) or child.tag == "item" or len(child):
                continue
            name = _qname(child)
            text = child.text or ""
            if name == "content:encoded":
                continue   # the full notes; Apple's 4000-byte limit is on description
            if name in ("description", "itunes:summary"):
                size = len(text.encode("utf-8"))
                if size > MAX_DESCRIPTION_BYTES:
                    yield self.error("apple.description.length", f"{where}/{name}",
                                     f"{size} bytes; Apple allows {MAX_DESCRIPTION_BYTES}",
                                     "shorten it, or link to full notes on the episode page")
                continue
            if name in ("title", "itunes:title", "itunes:author", "itunes:subtitle") and len(text) > MAX_TEXT:
                yield self.error("apple.length", f"{where}/{name}", f"{len(text)} characters; Apple "
                                 f"allows {MAX_TEXT}", f"shorten it to {MAX_TEXT} characters or less")
            if text and text != text.strip() and not text.isspace():
                yield self.warning("apple.whitespace", f"{where}/{name}", f"leading or trailing spaces in "
                                   f"{text[:40]!r}", "remove the spaces around the value")

    def check_language(self, channel: etree._Element) -> Iterator[Finding]:
        value = (channel.findtext("language") or "").strip()
        if not value:
            yield self.error("apple.language", "channel/language", "no <language>",
                             "add <language> with an ISO 639 code such as en or en-gb")
            return
        match = LANGUAGE.match(value)
        if not match or match.group(1).lower() not in ISO_639_1:
            yield self.error("apple.language", "channel/language", f"{value!r} is not an ISO 639 "
                             "language code", "write a two-letter ISO 639 code, optionally with a region "
                             "(en, en-us, pt-br)")

    def check_categories(self, channel: etree._Element) -> Iterator[Finding]:
        tops = channel.findall(f"{{{ITUNES}}}category")
        element = "channel/itunes:category"
        if not tops:
            yield self.error("apple.category", element, "no itunes:category",
                             'add <itunes:category text="..."> from Apple\'s list')
        parents = {sub: top for top, subs in APPLE_CATEGORIES.items() for sub in subs}
        for top in tops:
            text = top.get("text") or ""
            if text not in APPLE_CATEGORIES:
                fix = _category_fix(text, parents)
                yield self.error("apple.category", element, f"{text!r} is not one of Apple's categories", fix)
                continue
            for sub in top.findall(f"{{{ITUNES}}}category"):
                name = sub.get("text") or ""
                if name not in APPLE_CATEGORIES[text]:
                    allowed = ", ".join(APPLE_CATEGORIES[text]) or "none"
                    yield self.error("apple.category", f"{element}/itunes:category",
                                     f"{name!r} is not a subcategory of {text!r}",
                                     f"use one of: {allowed}" if name not in parents else
                                     f'nest {name!r} under {parents[name]!r}')
                if len(sub):
                    yield self.error("apple.category", f"{element}/itunes:category",
                                     "categories nest two levels at most", "remove the third level")

    def check_explicit(self, parent: etree._Element, where: str, required: bool) -> Iterator[Finding]:
        value = parent.findtext(f"{{{ITUNES}}}explicit")
        element = f"{where}/itunes:explicit"
        if value is None:
            if required:
                yield self.error("apple.explicit", element, "no itunes:explicit",
                                 "add <itunes:explicit>false</itunes:explicit> (or true)")
            return
        value = value.strip()
        if value in ("yes", "no", "clean", "Yes", "No", "Clean"):
            yield self.warning("apple.explicit", element, f"{value!r} is a legacy value",
                               f"write {'true' if value.lower() == 'yes' else 'false'}")
        elif value not in ("true", "false"):
            yield self.error("apple.explicit", element, f"{value!r} is not true or false",
                             "write true or false")

    def check_owner(self, channel: etree._Element) -> Iterator[Finding]:
        email = channel.findtext(f"{{{ITUNES}}}owner/{{{ITUNES}}}email")
        element = "channel/itunes:owner/itunes:email"
        if email is None or not email.strip():
            yield self.error("apple.owner.email", element, "no owner email: Spotify sends its ownership "
                             "check there and Apple uses it to reach you",
                             "add <itunes:owner><itunes:name>..</itunes:name><itunes:email>..</itunes:email>"
                             "</itunes:owner> with an address someone reads")
        elif not EMAIL.match(email.strip()):
            yield self.error("apple.owner.email", element, f"{email.strip()!r} is not an email address",
                             "write a plain address such as podcast@example.org")

    def check_self_link(self, channel: etree._Element) -> Iterator[Finding]:
        links = [link for link in channel.findall(f"{{{ATOM}}}link") if link.get("rel") == "self"]
        if not links:
            yield self.warning("rss.atom_self", "channel/atom:link", "no atom:link rel=\"self\"",
                               '<atom:link href="FEED URL" rel="self" type="application/rss+xml"/>')

    def feed_url(self, channel: etree._Element) -> str | None:
        for link in channel.findall(f"{{{ATOM}}}link"):
            if link.get("rel") == "self" and link.get("href"):
                return str(link.get("href"))
        return None

    def check_podcast_channel(self, channel: etree._Element) -> Iterator[Finding]:
        guids = _podcast_all(channel, "guid")
        for guid_el in guids:
            value = (guid_el.text or "").strip()
            element = "channel/podcast:guid"
            if not UUID_TEXT.match(value):
                yield self.error("podcast.guid", element, f"{value!r} is not a UUID",
                                 "write the UUIDv5 of the feed URL (without scheme and trailing slash)")
                continue
            if uuid.UUID(value).version != 5:
                yield self.error("podcast.guid", element, f"{value} is a version {uuid.UUID(value).version} "
                                 "UUID, not version 5", "write the UUIDv5 of the feed URL, namespace "
                                 f"{PODCAST_GUID_NAMESPACE}")
                continue
            feed_url = self.feed_url(channel)
            if feed_url and value.lower() != podcast_guid(feed_url):
                yield self.warning("podcast.guid.value", element, f"{value} is not the UUIDv5 of the "
                                   f"current feed URL {feed_url} (expected {podcast_guid(feed_url)})",
                                   "fine if the feed moved: the guid must stay as first computed; "
                                   "otherwise write the expected value")
        if len(guids) > 1:
            yield self.error("podcast.guid", "channel/podcast:guid", "more than one podcast:guid",
                             "keep one")
        for medium in _podcast_all(channel, "medium"):
            value = (medium.text or "").strip()
            if value not in PODCAST_MEDIA:
                yield self.error("podcast.medium", "channel/podcast:medium", f"{value!r} is not a medium",
                                 "write one of: " + ", ".join(sorted(m for m in PODCAST_MEDIA if m[-1] != "L")))
        for locked in _podcast_all(channel, "locked"):
            if (locked.text or "").strip() not in ("yes", "no"):
                yield self.error("podcast.locked", "channel/podcast:locked",
                                 f"{locked.text!r} is not yes or no", "write yes or no")

    def check_urls(self, parent: etree._Element, where: str) -> Iterator[Finding]:
        """podcast:* URLs must be https (spec); other http URLs are a warning."""
        for el in parent.iter():
            if not isinstance(el.tag, str) or (el is not parent and el.tag == "item"):
                continue
            if el is not parent and _inside_item(el, parent):
                continue
            name = _qname(el)
            is_podcast = name.startswith("podcast:")
            values = [(f"@{key}", value) for key, value in el.attrib.items()
                      if key in ("url", "href", "uri", "img")]
            if el.tag in ("link",) or name in ("podcast:value",):
                values.append(("", el.text or ""))
            for attr, value in values:
                value = value.strip()
                if not value.lower().startswith("http:"):
                    continue
                element = f"{where}/{_path_below(el, parent)}{attr}"
                if is_podcast:
                    yield self.error("podcast.https", element, f"{value} is http; Podcasting 2.0 tags "
                                     "take https only", "serve it over https and write the https URL")
                else:
                    yield self.warning("url.https", element, f"{value} is http",
                                       "serve it over https and write the https URL")

    # -- items -----------------------------------------------------------------------
    def check_item(self, item: etree._Element, where: str, serial: bool, number: int,
                   guids: dict[str, int], enclosures: dict[str, int]) -> Iterator[Finding]:
        if not (item.findtext("title") or "").strip():
            yield self.error("rss.item.title", f"{where}/title", "the episode has no <title>",
                             "add <title> (without episode numbers or the show name)")
        yield from self.check_texts(item, where)
        yield from self.check_guid(item, where, number, guids)
        yield from self.check_dates(item, where, ("pubDate",), required=True)
        yield from self.check_explicit(item, where, required=False)
        yield from self.check_image(item, where, required=False)
        yield from self.check_enclosure(item, where, number, enclosures)
        yield from self.check_numbers(item, where, serial)
        yield from self.check_podcast_item(item, where)
        yield from self.check_urls(item, where)
        if self.readiness:
            yield from readiness.check_item(item, where)

    def check_guid(self, item: etree._Element, where: str, number: int,
                   guids: dict[str, int]) -> Iterator[Finding]:
        guid = item.find("guid")
        element = f"{where}/guid"
        if guid is None:
            yield self.warning("rss.guid", element, "no <guid>: Apple falls back to the enclosure URL, so "
                               "moving the file makes a duplicate episode",
                               'add <guid isPermaLink="false"> with an id that never changes')
            return
        value = (guid.text or "").strip()
        if not value:
            yield self.error("rss.guid", element, "empty <guid>", "write an id that never changes")
            return
        if value in guids:
            yield self.error("rss.guid.unique", element, f"the same guid as item[{guids[value]}]: {value}",
                             "give every episode its own guid, and never change it once published")
        else:
            guids[value] = number
        permalink = (guid.get("isPermaLink") or "true").strip()
        if permalink not in ("true", "false"):
            yield self.error("rss.guid.permalink", element, f"isPermaLink={permalink!r}",
                             'write isPermaLink="false" (or "true" for a URL)')
        elif permalink == "true" and not re.match(r"^https?://", value):
            yield self.error("rss.guid.permalink", element, f"{value!r} is not a URL, but isPermaLink is "
                             f"{'missing (true by default)' if guid.get('isPermaLink') is None else 'true'}",
                             'write isPermaLink="false"')

    def check_dates(self, parent: etree._Element, where: str, tags: tuple[str, ...],
                    required: bool) -> Iterator[Finding]:
        for tag in tags:
            value = parent.findtext(tag)
            element = f"{where}/{tag}"
            if value is None:
                if required:
                    yield self.warning("rss.pubdate", element, f"no <{tag}>",
                                       f"add <{tag}> in RFC 2822 form, e.g. Wed, 15 Jun 2019 19:00:00 GMT")
                continue
            problem = rfc2822_problem(value.strip())
            if problem:
                severity, message = problem
                yield Finding("rss.pubdate", severity, element, f"{value.strip()!r}: {message}",
                              "write RFC 2822 in English, e.g. Wed, 15 Jun 2019 19:00:00 GMT")

    def check_enclosure(self, item: etree._Element, where: str, number: int,
                        enclosures: dict[str, int]) -> Iterator[Finding]:
        found = item.findall("enclosure")
        element = f"{where}/enclosure"
        if not found:
            yield self.error("rss.enclosure", element, "the episode has no <enclosure>",
                             'add <enclosure url="..." length="BYTES" type="audio/mpeg"/>')
            return
        if len(found) > 1:
            yield self.warning("rss.enclosure", element, f"{len(found)} enclosures; apps play only one",
                               "keep one; offer other formats with podcast:alternateEnclosure")
        enclosure = found[0]
        url = (enclosure.get("url") or "").strip()
        length = (enclosure.get("length") or "").strip()
        mime = (enclosure.get("type") or "").strip()
        try:
            parts = urlsplit(url)
        except ValueError:   # e.g. an unbalanced "[" reads as a broken IPv6 host
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            yield self.error("rss.enclosure.url", f"{element}@url", f"{url!r} is not an absolute http(s) URL",
                             "write the file's full public URL")
            return
        if url in enclosures:
            yield self.error("apple.enclosure.unique", f"{element}@url", f"the same media URL as "
                             f"item[{enclosures[url]}]; Apple ignores a URL already used",
                             "give every episode its own media file URL")
        else:
            enclosures[url] = number
        ext = PurePosixPath(unquote(parts.path)).suffix.lower()
        if ext not in APPLE_ENCLOSURE_TYPES:
            yield self.error("apple.enclosure.extension", f"{element}@url",
                             f"{ext or 'no extension'}: Apple lists only " + ", ".join(APPLE_ENCLOSURE_TYPES),
                             "deliver MP3 or M4A audio, or MP4/M4V/MOV video, with that extension in the URL")
        elif mime != APPLE_ENCLOSURE_TYPES[ext]:
            if mime in TYPE_ALIASES.get(ext, ()):
                yield self.warning("rss.enclosure.type", f"{element}@type", f"{mime} for {ext}; Apple's "
                                   f"table says {APPLE_ENCLOSURE_TYPES[ext]}",
                                   f'write type="{APPLE_ENCLOSURE_TYPES[ext]}"')
            else:
                yield self.error("rss.enclosure.type", f"{element}@type",
                                 f"{mime or 'no type'} does not match {ext}",
                                 f'write type="{APPLE_ENCLOSURE_TYPES[ext]}"')
        if not length.isdigit() or int(length) == 0:
            yield self.error("rss.enclosure.length", f"{element}@length",
                             f"{length!r} is not the file size in bytes",
                             "write the byte size of the uploaded file")
        path = self.local(url)
        if path is None:
            return
        if not path.is_file():
            yield self.error("local.missing", f"{element}@url", f"{url} maps to {path.name}, which is "
                             "not in the build directory", "build again; a feed must not point at a "
                             "file that is not published")
            return
        size = path.stat().st_size
        if length.isdigit() and int(length) != size:
            yield self.error("rss.enclosure.length", f"{element}@length", f"{length} bytes, but the file "
                             f"is {size} bytes", f'write length="{size}"')
        problem, duration = media_facts(path, self.probe)
        if problem:
            yield self.error("rss.enclosure.type", f"{element}@url", f"{path.name}: {problem}",
                             "deliver the file in the format its extension and type name")
        declared = item.findtext(f"{{{ITUNES}}}duration")
        seconds = parse_duration(declared.strip()) if declared else None
        if seconds is not None and duration is not None and abs(seconds - duration) > max(2.0, duration / 100):
            yield self.error("apple.duration", f"{where}/itunes:duration", f"{declared.strip()} but the "
                             f"file lasts {duration:.0f} s", f"write {round(duration)}")

    def check_numbers(self, item: etree._Element, where: str, serial: bool) -> Iterator[Finding]:
        declared = item.findtext(f"{{{ITUNES}}}duration")
        element = f"{where}/itunes:duration"
        if declared is None:
            yield self.warning("apple.duration", element, "no itunes:duration",
                               "add the duration in whole seconds")
        else:
            seconds = parse_duration(declared.strip())
            if seconds is None or seconds <= 0:
                yield self.error("apple.duration", element, f"{declared!r} is not a duration",
                                 "write the duration in whole seconds, e.g. 1830")
            elif seconds > MAX_DURATION_SECONDS:
                yield self.warning("apple.duration", element, f"{declared.strip()} is more than a day",
                                   "write seconds, not milliseconds")
            elif not declared.strip().isdigit():
                yield self.warning("apple.duration.format", element, f"{declared.strip()!r}; Apple now "
                                   "recommends whole seconds", f"write {round(seconds)}")
        for tag in ("episode", "season"):
            value = item.findtext(f"{{{ITUNES}}}{tag}")
            if value is not None and not (value.strip().isdigit() and int(value) > 0):
                yield self.error(f"apple.{tag}", f"{where}/itunes:{tag}", f"{value!r} is not a whole "
                                 "number above zero", "write 1, 2, 3...")
        if serial and item.findtext(f"{{{ITUNES}}}episode") is None:
            yield self.error("apple.serial.episode", f"{where}/itunes:episode", "a serial show needs an "
                             "episode number on every episode", "add <itunes:episode>N</itunes:episode>")
        kind = item.findtext(f"{{{ITUNES}}}episodeType")
        if kind is not None and kind.strip() not in ("full", "trailer", "bonus"):
            yield self.error("apple.episode_type", f"{where}/itunes:episodeType",
                             f"{kind!r} is not full, trailer or bonus", "write full, trailer or bonus")

    def check_podcast_item(self, item: etree._Element, where: str) -> Iterator[Finding]:
        for tag, attrs in (("transcript", ("url", "type")), ("chapters", ("url", "type"))):
            for el in _podcast_all(item, tag):
                missing = [a for a in attrs if not el.get(a)]
                if missing:
                    yield self.error("podcast.attributes", f"{where}/podcast:{tag}",
                                     "missing " + ", ".join(missing), f"add {' and '.join(attrs)}")
                url = el.get("url") or ""
                path = self.local(url)
                if path is not None and not path.is_file():
                    yield self.error("local.missing", f"{where}/podcast:{tag}@url", f"{url} is not in the "
                                     "build directory", "build again")

    # -- artwork ---------------------------------------------------------------------
    def check_image(self, parent: etree._Element, where: str, required: bool) -> Iterator[Finding]:
        image = parent.find(f"{{{ITUNES}}}image")
        element = f"{where}/itunes:image"
        if image is None or not (image.get("href") or "").strip():
            if required:
                yield self.error("apple.image", element, "no itunes:image href",
                                 '<itunes:image href="https://.../art.jpg"/>: square JPEG or PNG, 1400-3000 px')
            return
        href = image.get("href").strip()
        if required:
            self.show_image = href
        elif href == self.show_image:
            return   # an item showing the show's artwork: its problems are reported once, on the channel
        if (href, required) not in self._art:
            self._art[href, required] = list(self.artwork_problems(href, show=required and self.readiness))
        for rule, severity, message, fix in self._art[href, required]:
            yield Finding(rule, severity, element, message, fix)

    def artwork_problems(self, url: str, show: bool) -> Iterator[tuple[str, Severity, str, str]]:
        path = self.local(url)
        data: bytes | None = None
        if path is not None:
            if not path.is_file():
                yield ("local.missing", Severity.ERROR, f"{url} is not in the build directory", "build again")
                return
            data = path.read_bytes()
        elif self.fetch_images and url.lower().startswith(("http://", "https://")):
            try:
                with urllib.request.urlopen(url, timeout=15) as response:
                    data = response.read(FETCH_LIMIT + 1)
            except (OSError, ValueError) as error:
                yield ("apple.artwork.unreachable", Severity.ERROR, f"cannot fetch {url}: {error}",
                       "publish the image at a public URL that answers HEAD and GET")
                return
        if data is None:
            return
        try:
            suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix.lower()
        except ValueError:
            suffix = ""
        yield from artwork_problems(data, suffix, show=show)



def media_facts(path: Path, read: Callable[[Path], MediaInfo] = probe) -> tuple[str | None, float | None]:
    """(problem, seconds) of a media file as the core's probe reads it; problem None when fine."""
    try:
        info = read(path)
    except MediaError as error:
        return error.message, None
    return None, info.duration


def parse_duration(value: str) -> float | None:
    """Seconds from itunes:duration (``1830``, ``30:30``, ``0:30:30``); None if it is not one."""
    match = DURATION.match(value)
    if not match:
        return None
    first, second, last = match.groups()
    if first is not None and second is None:       # MM:SS
        return int(first) * 60 + float(last)
    return int(first or 0) * 3600 + int(second or 0) * 60 + float(last)


def rfc2822_problem(value: str) -> tuple[Severity, str] | None:
    """What is wrong with an RSS date, or None (Apple: RFC 2822, English names, 4-digit year)."""
    match = RFC2822.match(value)
    if not match:
        return Severity.ERROR, "not an RFC 2822 date"
    weekday, day, _month, _year, hour, minute, second, _zone = match.groups()
    if int(hour) > 23 or int(minute) > 59 or (second and int(second) > 60):
        return Severity.ERROR, "not a valid time"
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return Severity.ERROR, "not a real date"
    if parsed is None or parsed.day != int(day):
        return Severity.ERROR, "not a real date"
    if weekday is None:
        return Severity.WARNING, "no weekday"
    if WEEKDAYS[parsed.weekday()] != weekday:
        return Severity.ERROR, f"{parsed.date()} is a {WEEKDAYS[parsed.weekday()]}, not a {weekday}"
    return None


def _category_fix(text: str, parents: dict[str, str]) -> str:
    if text in parents:
        return (f'{text!r} is a subcategory: write <itunes:category text="{parents[text]}">'
                f'<itunes:category text="{text}"/></itunes:category>')
    for top in APPLE_CATEGORIES:
        if top.lower() == text.lower() or top.replace("&", "and").lower() == text.lower():
            return f"write it exactly as {top!r} (case and & matter)"
    return "use one of: " + ", ".join(APPLE_CATEGORIES)


def _qname(el: etree._Element) -> str:
    tag = str(el.tag)
    if "}" not in tag:
        return tag
    uri, local = tag[1:].split("}")
    return f"{PREFIXES.get(uri) or el.prefix or uri}:{local}"


def _podcast_all(parent: etree._Element, tag: str) -> list[etree._Element]:
    found: list[etree._Element] = parent.findall(f"{{{PODCAST}}}{tag}") + parent.findall(f"{{{PODCAST_ALT}}}{tag}")
    return found


def _inside_item(el: etree._Element, parent: etree._Element) -> bool:
    for ancestor in el.iterancestors():
        if ancestor is parent:
            return False
        if ancestor.tag == "item":
            return True
    return False


def _path_below(el: etree._Element, parent: etree._Element) -> str:
    names = []
    while el is not None and el is not parent:
        names.append(_qname(el))
        el = el.getparent()
    return "/".join(reversed(names))
