"""A small podcast website from the same build, for charities without a web developer.

``index.html`` at the build root lists the shows; ``shows/<show>/index.html`` is a show
with every episode; ``shows/<show>/<episode>.html`` an episode with its player, notes,
chapters and the full transcript as text (search engines read it); ``sitemap.xml`` lists
them all (keys from ``site``). The pages reuse the embed players' templates and assets,
carry Open Graph, an RSS ``alternate`` link that podcast apps and directories discover,
and oEmbed discovery pointing at the embed player, so pasting an episode's address into
WordPress embeds its player.

Show and episode pages are written for the shows of this build; the root index and the
sitemap list every show of ``embed/index.json`` (so ``build SHOW`` keeps the others), which
``embed.write_embeds`` must have written first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from media_pub import site
from media_pub.model import BuiltShow, Settings
from media_pub.outputs.embed import FeedLinks, PageWriter, player_data, player_views, render


@dataclass(frozen=True)
class ShowCard:
    title: str
    href: str
    thumb: str | None
    summary: str
    count: int


def write_site(settings: Settings, shows: Sequence[BuiltShow], out_dir: Path,
               generated: datetime) -> list[str]:
    """Write the website's pages and sitemap; returns the keys created or changed.

    Example:
        keys = write_site(settings, built_shows, settings.out_dir, datetime.now(UTC))
    """
    views = player_views(settings, shows, out_dir, generated)
    writer = PageWriter(out_dir)
    for show, episodes in views:
        page: dict[str, Any] = {"lang": show.lang, "assets": f"../../{site.EMBED}/",
                                "feeds": [show.feeds],
                                "footer": show.title + (f" · {show.author}" if show.author else "")}
        home = ("Home", "../../index.html")
        for ep in episodes:
            writer.write(site.site_episode_key(show.slug, ep.slug), render(
                "site_episode.html", show=show, ep=ep, page_title=f"{ep.title} · {show.title}",
                crumbs=[home, (show.title, "index.html"), (ep.title, None)],
                data=player_data(show, [ep]), **page))
        listed = episodes[::-1] if show.serial else episodes   # every episode, not the latest
        writer.write(site.site_show_key(show.slug), render(
            "site_show.html", show=show, episodes=listed, page_title=show.title,
            crumbs=[home, (show.title, None)], data=player_data(show, listed), **page))
    index = _read_index(out_dir)
    title = _site_title(settings, index)
    writer.write(site.SITE_INDEX_KEY, render(
        "site_index.html", lang=_site_lang(views), assets=f"{site.EMBED}/", page_title=title,
        canonical=settings.base_url,
        cards=_cards(settings, out_dir, index, {show.slug: show.summary for show, _ in views}),
        feeds=[_feed_links(settings, show) for show in index], crumbs=[("Home", None)],
        footer=title, data={}, show=None))
    writer.write(site.SITEMAP_KEY, _sitemap(settings, index))
    for show, _ in views:
        writer.remove_stale(f"{site.SHOWS}/{show.slug}")
    return writer.keys


def _read_index(out_dir: Path) -> list[dict[str, Any]]:
    try:
        document = json.loads((out_dir / site.INDEX_KEY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    shows = document.get("shows") if isinstance(document, dict) else None
    return [show for show in shows or [] if isinstance(show, dict) and show.get("slug")]


def _site_title(settings: Settings, index: list[dict[str, Any]]) -> str:
    if len(index) == 1:
        return str(index[0].get("title") or "Podcasts")
    return "Podcasts and films" if any(s.get("medium") != "podcast" for s in index) else "Podcasts"


def _site_lang(views: list[Any]) -> str:
    return views[0][0].lang if views else "en"


def _relative(settings: Settings, out_dir: Path, url: str | None, size: int) -> str | None:
    """An image under base_url as seen from the build root (the index page), as its
    ``size`` px rendition when the build made one."""
    key = site.key_of(settings.base_url, url) if url else None
    if not key:
        return None
    small = site.rendition_key(key, size)
    return quote(small if (out_dir / small).is_file() else key)


def _feed_links(settings: Settings, show: dict[str, Any]) -> FeedLinks:
    slug = str(show["slug"])
    return FeedLinks(str(show.get("title") or slug), quote(site.feed_key(slug)),
                     quote(site.json_feed_key(slug)))


def _cards(settings: Settings, out_dir: Path, index: list[dict[str, Any]],
           summaries: dict[str, str]) -> list[ShowCard]:
    cards = []
    for show in index:
        episodes = show.get("episodes") or []
        cards.append(ShowCard(
            title=str(show.get("title") or show["slug"]),
            href=quote(site.site_show_key(str(show["slug"]))),
            thumb=_relative(settings, out_dir, show.get("artwork_url"), 192),
            summary=summaries.get(str(show["slug"]), ""),
            count=len(episodes),
        ))
    return cards


def _sitemap(settings: Settings, index: list[dict[str, Any]]) -> str:
    """sitemaps.org 0.9: the home page, each show page and each episode page."""
    entries: list[tuple[str, str | None]] = [(settings.base_url, None)]
    for show in index:
        slug = str(show["slug"])
        episodes = [e for e in show.get("episodes") or [] if isinstance(e, dict) and e.get("slug")]
        newest = max((str(e.get("published") or "") for e in episodes), default="") or None
        entries.append((settings.url(site.site_show_key(slug)), newest))
        entries.extend((settings.url(site.site_episode_key(slug, str(e["slug"]))),
                        str(e.get("published") or "") or None) for e in episodes)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc, lastmod in entries:
        lines.append(f"<url><loc>{escape(loc)}</loc>"
                     + (f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else "") + "</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


__all__ = ["write_site"]
