"""The player pages in real headless Chromium (Debian's /usr/bin/chromium via playwright),
served by `media-pub serve`'s server and from file://."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect
from embed_sample import GENERATED, HOSTILE_CHAPTER, HOSTILE_TITLE, build_site

from media_pub.outputs.embed import write_embeds
from media_pub.serve import make_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]
TOOLS = Path(__file__).parent / "browser"
DOCS = Path(__file__).resolve().parent.parent / "README.md"

EPISODE = "embed/locked-up-living/001-gerard-drennan.html"
HOSTILE = "embed/locked-up-living/002-hostile.html"
SHOW = "embed/locked-up-living/index.html"
FILM = "embed/ceramics/01-pots.html"
SERIES = "embed/ceramics/index.html"
PAGES = [EPISODE, HOSTILE, SHOW, FILM, SERIES]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source():
    """axe-core from the npm registry, pinned in tests/browser/package.json."""
    script = TOOLS / "node_modules/axe-core/axe.min.js"
    if not script.exists():
        command = ["npm", "ci"] if (TOOLS / "package-lock.json").exists() else ["npm", "install"]
        subprocess.run(command + ["--no-audit", "--no-fund"], cwd=TOOLS, check=True,
                       capture_output=True, timeout=300)
    return script.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = build_site(tmp_path_factory.mktemp("player"))
    write_embeds(site.settings, site.shows, site.out, GENERATED)
    return site


def _start(root: Path):
    server = make_server(root, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def base(site):
    server = _start(site.out)
    yield server.url
    server.shutdown()
    server.server_close()


class Visit:
    """A fresh page that records console errors, page errors and failed requests."""

    def __init__(self, browser, width=1000, height=800, scheme="light"):
        self.context = browser.new_context(viewport={"width": width, "height": height},
                                           color_scheme=scheme)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(
            f"failed: {r.url} {r.failure}") if "/media/" not in r.url else None)

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    visits = []

    def make(**options) -> Visit:
        visits.append(Visit(browser, **options))
        return visits[-1]

    yield make
    for v in visits:
        v.close()


def wait_metadata(page):
    """The player script has run and, unless the page asks for preload="none" (show pages
    list many episodes: nothing is fetched before play), the media's metadata is loaded."""
    page.wait_for_function("document.querySelector('[data-player][data-ready]')"
                           " && (document.querySelector('.media').preload === 'none'"
                           " || document.querySelector('.media').readyState >= 1)", timeout=10_000)


def play_muted(page):
    page.evaluate("() => { const m = document.querySelector('.media'); m.muted = true;"
                  " return m.play(); }")


def current_time(page) -> float:
    return page.evaluate("document.querySelector('.media').currentTime")


@pytest.mark.parametrize("key", PAGES)
def test_served_pages_load_without_console_errors(visit, base, key):
    v = visit()
    page = v.open(base + key)
    wait_metadata(page)
    page.wait_for_timeout(200)
    assert v.errors == []
    assert page.evaluate("document.querySelector('.media').error") is None
    assert page.locator("h1").is_visible()


def test_audio_plays_muted_and_time_advances(visit, base):
    v = visit()
    page = v.open(base + EPISODE)
    play_muted(page)
    page.wait_for_function("document.querySelector('.media').currentTime > 0.5", timeout=10_000)
    assert page.evaluate("document.querySelector('.media').paused") is False
    src = page.evaluate("document.querySelector('.media').currentSrc")
    assert src == base + "media/locked-up-living/001-gerard-drennan.mp3"
    assert v.errors == []


def test_video_plays_muted_with_poster_and_captions(visit, base):
    v = visit()
    page = v.open(base + FILM)
    wait_metadata(page)
    play_muted(page)
    page.wait_for_function("document.querySelector('video').currentTime > 0.3", timeout=10_000)
    assert page.evaluate("document.querySelector('video').videoWidth") == 320
    page.wait_for_function("document.querySelector('video').textTracks[0].cues"
                           " && document.querySelector('video').textTracks[0].cues.length === 2",
                           timeout=10_000)
    assert v.errors == []


def test_clicking_a_chapter_seeks(visit, base):
    v = visit()
    page = v.open(base + EPISODE)
    wait_metadata(page)
    page.evaluate("document.querySelector('.media').muted = true")
    chapter = page.get_by_role("button", name=re.compile("Truth and Reconciliation"))
    chapter.click()
    page.wait_for_function("document.querySelector('.media').currentTime >= 6", timeout=5_000)
    assert 6 <= current_time(page) < 8
    page.wait_for_function(
        "document.querySelectorAll('.chapters [aria-current=true]').length === 1", timeout=5_000)
    assert "Truth" in page.locator(".chapters [aria-current=true]").inner_text()
    # from the keyboard too
    page.evaluate("document.querySelector('.media').pause()")
    page.get_by_role("button", name=re.compile("Harm")).focus()
    page.keyboard.press("Enter")
    page.wait_for_function("Math.abs(document.querySelector('.media').currentTime - 3) < 1",
                           timeout=5_000)
    assert v.errors == []


def test_transcript_beside_the_media_and_cues_seek(visit, base):
    v = visit()
    page = v.open(base + EPISODE)
    wait_metadata(page)
    transcript = page.locator(".transcript")
    assert "Gerard Drennan: Welcome to Locked Up Living." in " ".join(transcript.inner_text().split())
    chapters_box = page.locator(".side").bounding_box()
    transcript_box = transcript.bounding_box()
    assert transcript_box["x"] >= chapters_box["x"] + chapters_box["width"] - 1   # beside, on wide screens
    page.evaluate("document.querySelector('.media').muted = true")
    page.locator(".transcript p", has_text="If there is trauma").click()
    page.wait_for_function("document.querySelector('.media').currentTime >= 3", timeout=5_000)
    page.wait_for_function("document.querySelector('.transcript p.active') !== null", timeout=5_000)
    assert v.errors == []


def test_waveform_seek_bar_by_pointer_and_keyboard(visit, base):
    v = visit()
    page = v.open(base + EPISODE)
    wait_metadata(page)
    wave = page.get_by_role("slider", name="Seek")
    assert wave.is_visible()
    painted = page.evaluate("""() => {
        const c = document.querySelector('.wave canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }""")
    assert painted > 0
    box = wave.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    page.wait_for_function("Math.abs(document.querySelector('.media').currentTime - 4) < 0.5",
                           timeout=5_000)
    wave.focus()
    page.keyboard.press("Home")
    page.wait_for_function("document.querySelector('.media').currentTime < 0.1", timeout=5_000)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("Math.abs(document.querySelector('.media').currentTime - 5) < 0.2",
                           timeout=5_000)
    # The slider's text follows the media's seeked/timeupdate event, a moment after currentTime.
    page.wait_for_function("[...document.querySelectorAll('[role=slider][aria-label=Seek]')].some(w => "
                           "(w.getAttribute('aria-valuetext') || '').includes('5 seconds of 8 seconds'))",
                           timeout=5_000)
    assert "5 seconds of 8 seconds" in wave.get_attribute("aria-valuetext")
    assert v.errors == []


def test_no_peaks_still_a_seek_bar(visit, base):
    v = visit()
    page = v.open(base + HOSTILE)
    wait_metadata(page)
    wave = page.get_by_role("slider", name="Seek")
    assert wave.is_visible()
    data = page.evaluate("JSON.parse(document.getElementById('player-data').textContent)")
    assert data["episodes"][0]["peaks"] is None          # flat bars, not a made-up waveform
    wave.focus()
    page.keyboard.press("End")
    page.wait_for_function("document.querySelector('.media').currentTime > 2.5", timeout=5_000)
    assert v.errors == []


@pytest.mark.parametrize("key", [HOSTILE, SHOW])
def test_script_in_metadata_runs_nothing_and_shows_as_text(visit, base, key):
    v = visit()
    page = v.open(base + key)
    wait_metadata(page)
    page.locator("body").hover()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    if key == HOSTILE:
        assert page.locator("h1").inner_text() == HOSTILE_TITLE
        assert page.title() == HOSTILE_TITLE
        assert HOSTILE_CHAPTER in page.locator(".chapters").inner_text()
        page.locator(".notes b").hover()
    else:
        assert page.locator(".episode-button .title").first.inner_text() == HOSTILE_TITLE
        # loading the hostile episode into the player sets its title as text too
        page.evaluate("document.querySelector('.media').muted = true")
        page.locator("[data-episode='1']").click()
        page.locator("[data-episode='0']").click()
        assert page.locator(".now-title").inner_text() == HOSTILE_TITLE
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.querySelectorAll('img:not([src^=\"../../\"])').length") == 0
    assert v.errors == []


def test_show_page_click_to_play(visit, base):
    v = visit()
    page = v.open(base + SHOW)
    wait_metadata(page)
    page.evaluate("document.querySelector('.media').muted = true")
    button = page.locator("[data-episode='1']")
    button.click()
    page.wait_for_function("document.querySelector('.media').currentTime > 0.3", timeout=10_000)
    assert page.evaluate("document.querySelector('.media').currentSrc").endswith(
        "/media/locked-up-living/001-gerard-drennan.mp3")
    assert button.get_attribute("aria-pressed") == "true"
    assert page.locator("[data-episode='0']").get_attribute("aria-pressed") == "false"
    assert page.locator(".now-title").inner_text() == "If there is trauma, there will have been harm"
    assert page.get_by_role("slider", name="Seek").is_visible()   # this episode has peaks
    assert page.evaluate("navigator.mediaSession.metadata.title") == (
        "If there is trauma, there will have been harm")
    assert v.errors == []


@pytest.mark.parametrize("key", PAGES)
def test_usable_at_320_px(visit, base, key):
    v = visit(width=320, height=640)
    page = v.open(base + key)
    wait_metadata(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # the picture for films; for audio the player's own seek bar (the <audio> is not shown)
    media = page.locator("video.media, .wave").first.bounding_box()
    assert media["width"] > 200 and media["x"] >= 0 and media["x"] + media["width"] <= 320
    controls = page.locator(".controls").bounding_box()
    assert controls["x"] >= 0 and controls["x"] + controls["width"] <= 320
    for button in page.locator("button").all()[:5]:
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320 and box["height"] >= 24
    assert v.errors == []


@pytest.mark.parametrize("key, scheme", [(key, "light") for key in PAGES]
                         + [(EPISODE, "dark")])   # one stylesheet and palette for every page
def test_axe_finds_no_serious_violations(visit, base, axe_source, key, scheme):
    v = visit(scheme=scheme)
    page = v.open(base + key)
    wait_metadata(page)
    page.add_script_tag(content=axe_source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(r["id"], r["impact"], [n["html"][:120] for n in r["nodes"]][:3])
               for r in result["violations"] if r["impact"] in ("serious", "critical")]
    assert serious == []


def test_pages_work_from_file_urls(visit, site):
    v = visit()
    page = v.open((site.out / EPISODE).as_uri())
    wait_metadata(page)
    assert page.get_by_role("slider", name="Seek").is_visible()
    page.evaluate("document.querySelector('.media').muted = true")
    page.get_by_role("button", name=re.compile("Harm")).click()
    page.wait_for_function("document.querySelector('.media').currentTime >= 3", timeout=5_000)
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""
    assert page.locator(".head .art").evaluate("img => img.naturalWidth") == 400
    for key in (SHOW, FILM, SERIES):
        page = v.open((site.out / key).as_uri())
        wait_metadata(page)
        assert page.evaluate("document.querySelector('.media').error") is None
    # Chromium treats every file: URL as its own origin, so only the caption <track> of the
    # film is refused there (its transcript is still shown as text beside the video).
    assert [e for e in v.errors if ".vtt" not in e] == []


def _snippets() -> list[str]:
    blocks = re.findall(r"```html\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 3, "the README's Embedding section needs the show, episode and index snippets"
    return blocks


def test_embedding_snippets_work_from_another_origin(visit, site, base, tmp_path):
    """The docs' copy-paste snippets, pointed at the served build, on a page of another origin."""
    from embed_sample import BASE_URL

    html = "\n".join(block.replace(BASE_URL, base) for block in _snippets())
    (tmp_path / "index.html").write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Embeds</title>'
        f'<link rel="icon" href="data:,"></head>'
        f"<body><main>{html}</main></body></html>", encoding="utf-8")
    embedder = _start(tmp_path)
    try:
        v = visit()
        page = v.open(embedder.url)
        assert embedder.url != base
        frames = page.locator("iframe")
        assert frames.count() >= 2
        for i in range(frames.count()):
            assert frames.nth(i).get_attribute("title")
            assert frames.nth(i).get_attribute("loading") == "lazy"
        show = page.frame_locator("iframe[src$='locked-up-living/index.html']")
        assert show.locator("h1").inner_text() == "Locked Up Living"
        episode = page.frame_locator("iframe[src$='001-gerard-drennan.html']")
        assert episode.locator("h1").inner_text() == "If there is trauma, there will have been harm"
        listing = page.locator("[data-media-pub-latest] li")
        listing.first.wait_for(timeout=10_000)
        texts = listing.all_inner_texts()
        assert any("If there is trauma" in t for t in texts)
        assert any(HOSTILE_TITLE in t for t in texts)               # rendered as text
        assert page.evaluate("window.__pwned") is None
        assert v.errors == []
    finally:
        embedder.shutdown()
        embedder.server_close()



# --- end to end: `media-pub build` then `media-pub serve` on a generated project -----------


@pytest.fixture(scope="module")
def served_project(tmp_path_factory):
    """A generated project built by `media-pub build` and served by `media-pub serve`."""
    import json
    import signal
    import sys

    from project_factory import make_episode, make_show, write_site

    root = tmp_path_factory.mktemp("project")
    write_site(root)
    make_show(root, "talk", title="Talk & <b>Show</b>")
    (root / "episodes/talk").mkdir(parents=True)
    (root / "episodes/talk/ep1.vtt").write_text(
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello there.\n\n"
        "00:00:02.000 --> 00:00:04.000\nSecond cue.\n", "utf-8")
    make_episode(root, "talk", "ep1", title="First <script>window.__pwned=1</script>", seconds=6,
                 extra='transcript = "ep1.vtt"\n'
                       'description = "Hi <img src=x onerror=window.__pwned=2>"\n'
                       'chapters = [ { start = "00:00:00", title = "Intro" },'
                       ' { start = "00:00:03", title = "Middle" } ]\n')
    make_episode(root, "talk", "ep2", title="Second", published="2026-02-01T09:00:00Z", seconds=3)
    make_show(root, "films", title="Films", medium="video")
    make_episode(root, "films", "f1", title="Film one", seconds=3, media_suffix=".mp4", video=True)
    project_root = Path(__file__).resolve().parent.parent
    built = subprocess.run([sys.executable, "-m", "media_pub", "--project", str(root), "build"],
                           cwd=project_root, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "media_pub", "--project", str(root), "serve", "--port", "0"],
        cwd=project_root, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines = [process.stderr.readline() for _ in range(3)]
    match = re.search(r"(http://127\.0\.0\.1:\d+/)", lines[0])
    try:
        assert match, lines
        # what serve prints for the website and the players is what answers
        assert lines[1].strip() == f"Website: {match.group(1)}", lines
        assert lines[2].strip() == f"Players: {match.group(1)}embed/films/index.html", lines
        index = json.loads((root / "public/embed/index.json").read_text("utf-8"))
        yield match.group(1), index
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_built_project_players_work_from_serve(visit, served_project):
    url, index = served_project
    assert [show["slug"] for show in index["shows"]] == ["films", "talk"]
    for printed in (url, url + "embed/films/index.html"):
        with urllib.request.urlopen(printed) as response:
            assert response.status == 200 and b"<h1" in response.read()
    talk = index["shows"][1]
    assert [ep["slug"] for ep in talk["episodes"]] == ["ep2", "ep1"]        # newest first
    assert talk["episodes"][1]["player_url"] == "https://media.example.org/embed/talk/ep1.html"
    v = visit()
    page = v.open(url + "embed/talk/ep1.html")
    wait_metadata(page)
    assert page.locator("h1").inner_text() == "First <script>window.__pwned=1</script>"
    assert "Hello there." in page.locator(".transcript").inner_text()
    play_muted(page)
    page.wait_for_function("document.querySelector('.media').currentTime > 0.3", timeout=10_000)
    page.get_by_role("button", name=re.compile("Middle")).click()
    page.wait_for_function("document.querySelector('.media').currentTime >= 3", timeout=5_000)
    assert page.evaluate("window.__pwned") is None
    page = v.open(url + "embed/talk/index.html")
    wait_metadata(page)
    assert page.locator("h1").inner_text() == "Talk & <b>Show</b>"
    assert page.locator(".episode-button .title").all_inner_texts() == [
        "Second", "First <script>window.__pwned=1</script>"]
    page = v.open(url + "embed/films/f1.html")
    wait_metadata(page)
    play_muted(page)
    page.wait_for_function("document.querySelector('video').videoWidth > 0", timeout=10_000)
    response = page.request.get(url + "embed/talk/ep1.oembed.json")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json()["type"] == "rich"
    assert page.request.get(url + "feeds/talk.json").headers["content-type"].startswith(
        "application/feed+json")
    assert v.errors == []


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    """The repository's own sample shows, built by `media-pub build` in a scratch copy."""
    import sys

    repo = Path(__file__).resolve().parent.parent
    root = tmp_path_factory.mktemp("samples")
    shutil.copy(repo / "media-pub.toml", root)
    shutil.copytree(repo / "feeds", root / "feeds")
    shutil.copytree(repo / "episodes", root / "episodes")
    built = subprocess.run([sys.executable, "-m", "media_pub", "--project", str(root), "build"],
                           cwd=repo, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    out = root / "public"
    pages = sorted(p.relative_to(out).as_posix() for p in (out / "embed").rglob("*.html"))
    assert len(pages) >= 4, pages
    server = _start(out)
    yield out, server.url, pages
    server.shutdown()
    server.server_close()


def test_sample_shows_players_work_from_serve_and_file(visit, sample_build, axe_source):
    out, url, pages = sample_build
    v = visit()
    shows = sorted({key.rsplit("/", 1)[0] for key in pages})
    from_disk = [f"{show}/index.html" for show in shows] + [   # each show and its first episode
        min(k for k in pages if k.startswith(show + "/") and not k.endswith("index.html"))
        for show in shows]
    addresses = [url + key for key in pages] + [(out / key).as_uri() for key in from_disk]
    for address in addresses:
        page = v.open(address)
        wait_metadata(page)
        assert page.evaluate("document.querySelector('.media').error") is None, address
        assert page.locator("h1").inner_text().strip(), address
    # Chromium gives each file: URL its own origin, so only the films' caption tracks are
    # refused from file:// (the transcript is still on the page as text).
    assert [e for e in v.errors if ".vtt" not in e] == []
    page = v.open(url + "embed/locked-up-living/001-gerard-drennan.html")   # the richest page
    wait_metadata(page)
    page.add_script_tag(content=axe_source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [r["id"] for r in result["violations"] if r["impact"] in ("serious", "critical")] == []


# --- issue 13: the player's own controls, embeds that fit, themes, the website ------------
# On the repository's own sample shows, built once by `media-pub build` (sample_build).

SAMPLE_EPISODE = "embed/locked-up-living/001-gerard-drennan.html"
SAMPLE_PAGES = ["embed/locked-up-living/001-gerard-drennan.html", "embed/locked-up-living/index.html",
                "embed/bethlem-ceramics/01-storage-jar.html", "embed/bethlem-ceramics/index.html"]
SITE_PAGES = ["index.html", "shows/locked-up-living/index.html",
              "shows/locked-up-living/001-gerard-drennan.html",
              "shows/bethlem-ceramics/index.html", "shows/bethlem-ceramics/01-storage-jar.html"]


def media_js(page, expression: str):
    return page.evaluate(f"(() => {{ const m = document.querySelector('.media'); return {expression}; }})()")


def test_own_controls_by_role_and_name(visit, sample_build):
    _, url, _ = sample_build
    v = visit()
    page = v.open(url + SAMPLE_EPISODE)
    wait_metadata(page)
    assert media_js(page, "m.controls") is False             # not the browser's grey pill
    page.evaluate("document.querySelector('.media').muted = true")
    play = page.get_by_role("button", name="Play", exact=True)
    play.click()
    page.wait_for_function("document.querySelector('.media').currentTime > 0.3", timeout=10_000)
    pause = page.get_by_role("button", name="Pause", exact=True)
    assert pause.is_visible() and media_js(page, "m.paused") is False
    pause.click()
    assert media_js(page, "m.paused") is True
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()   # set on the pause event
    # skip forward 30 s and back 15 s move currentTime by exactly that
    before = media_js(page, "m.currentTime")
    page.get_by_role("button", name="Forward 30 seconds").click()
    assert abs(media_js(page, "m.currentTime") - (before + 30)) < 0.05
    page.get_by_role("button", name="Back 15 seconds").click()
    assert abs(media_js(page, "m.currentTime") - (before + 15)) < 0.05
    # The times are written on the media's timeupdate event, a moment after currentTime moves.
    expect(page.locator(".elapsed")).to_have_text(f"0:{int(before + 15):02d}")
    left = int(media_js(page, "m.duration") - (before + 15))
    expect(page.locator(".remaining")).to_have_text(f"-0:{left:02d}")
    # speed: playbackRate changes, and the choice is remembered on the next page
    speed = page.get_by_role("combobox", name="Playback speed")
    assert speed.locator("option").all_inner_texts() == ["0.75×", "1×", "1.25×", "1.5×", "1.75×", "2×"]
    speed.select_option("1.5")
    assert media_js(page, "m.playbackRate") == 1.5
    page = v.open(url + "embed/locked-up-living/003-keeping-well-inside.html")
    wait_metadata(page)
    assert media_js(page, "m.playbackRate") == 1.5
    assert page.get_by_role("combobox", name="Playback speed").input_value() == "1.5"
    assert page.get_by_role("link", name=re.compile("^Download")).get_attribute("download") == ""
    assert v.errors == []


def test_tab_reaches_the_controls_in_reading_order(visit, sample_build):
    _, url, _ = sample_build
    v = visit()
    page = v.open(url + SAMPLE_EPISODE)
    wait_metadata(page)
    names = []
    for _ in range(9):
        page.keyboard.press("Tab")
        names.append(page.evaluate("""() => { const e = document.activeElement;
            return e.getAttribute('aria-label') || e.labels && e.labels[0] && e.labels[0].innerText
                   || e.innerText; }"""))
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", names[-1]                       # focus is visible
    wanted = ["Play", "Back 15 seconds", "Forward 30 seconds", "Playback speed", "Seek"]
    positions = [next(i for i, n in enumerate(names) if n and n.strip().startswith(w)) for w in wanted]
    assert positions == sorted(positions), names
    assert any(n.startswith("Share from") for n in names[positions[-1]:]), names
    assert v.errors == []


def test_active_transcript_line_stays_in_view_after_a_late_seek(visit, sample_build):
    _, url, _ = sample_build
    v = visit(width=1000, height=700)
    page = v.open(url + SAMPLE_EPISODE)
    wait_metadata(page)
    lines = page.locator(".transcript .lines")
    last = page.locator(".transcript .lines p").last

    def inside() -> bool:
        box, line = lines.bounding_box(), last.bounding_box()
        return line["y"] >= box["y"] - 1 and line["y"] + line["height"] <= box["y"] + box["height"] + 1

    assert not inside()                                  # the box scrolls: the end is hidden
    scroll_before = page.evaluate("window.scrollY")
    play_muted(page)
    page.evaluate("document.querySelector('.media').currentTime = 37.5")     # late, while playing
    page.wait_for_function("document.querySelector('.lines p:last-child').classList.contains('active')",
                           timeout=5_000)
    page.wait_for_timeout(100)
    assert inside()
    assert page.evaluate("window.scrollY") == scroll_before   # only the box scrolled, not the page
    # a chapter seeks, and the current chapter is marked
    page.get_by_role("button", name=re.compile("Restorative justice")).click()
    page.wait_for_function("document.querySelector('.chapters [aria-current=true]')"
                           " && document.querySelector('.chapters [aria-current=true]')"
                           ".innerText.includes('Restorative')", timeout=5_000)
    assert 19 <= media_js(page, "m.currentTime") < 21
    page.evaluate("document.querySelector('.media').pause()")
    # search narrows the lines to those that match
    page.get_by_role("searchbox", name="Search the transcript").fill("reconciliation")
    shown = page.locator(".lines p:visible").all_inner_texts()
    assert shown and all("reconciliation" in t.lower() for t in shown)
    assert page.locator(".lines p").count() > len(shown)
    assert v.errors == []


def test_share_at_this_moment_and_a_page_opened_at_t(visit, sample_build):
    _, url, _ = sample_build
    v = visit()
    page = v.open(url + SAMPLE_EPISODE + "#t=12")
    wait_metadata(page)
    assert abs(media_js(page, "m.currentTime") - 12) < 0.1
    page.get_by_role("button", name="Forward 30 seconds").click()
    share = page.get_by_role("button", name=re.compile("^Share from 0:42|^Share from 0:39"))
    share.click()
    link = page.get_by_role("textbox", name="Link to this moment").input_value()
    assert re.fullmatch(r"https://media\.example\.org/shows/locked-up-living/001-gerard-drennan\.html#t=(39|42)",
                        link), link
    # the shared link, opened (here from serve), starts there
    page = v.open(url + "shows/locked-up-living/001-gerard-drennan.html#" + link.split("#")[1])
    wait_metadata(page)
    assert media_js(page, "m.currentTime") > 38
    assert v.errors == []


def _background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_theme_is_the_sites_choice_light_by_default_and_the_accent_applies(visit, sample_build):
    _, url, _ = sample_build
    v = visit(scheme="dark")                          # the visitor's OS is dark
    page = v.open(url + SAMPLE_EPISODE)
    wait_metadata(page)
    assert _background(page) == "rgb(255, 255, 255)"   # light unless the site asks for dark
    play = page.get_by_role("button", name="Play", exact=True)
    assert play.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(138, 59, 18)"  # #8A3B12
    page = v.open(url + SAMPLE_EPISODE + "?theme=dark")
    wait_metadata(page)
    assert _background(page) == "rgb(20, 20, 20)"
    page = visit(scheme="light").open(url + "embed/bethlem-ceramics/index.html?theme=dark")
    assert _background(page) == "rgb(20, 20, 20)"
    assert v.errors == []


def test_compact_layout_is_a_card(visit, sample_build):
    _, url, _ = sample_build
    v = visit(width=390)
    page = v.open(url + SAMPLE_EPISODE + "?layout=compact")
    wait_metadata(page)
    assert page.evaluate("document.documentElement.getBoundingClientRect().height") <= 240
    assert page.get_by_role("button", name="Play", exact=True).is_visible()
    assert page.get_by_role("slider", name="Seek").is_visible()
    assert page.locator(".transcript").is_hidden() and page.locator(".chapters").is_hidden()
    assert v.errors == []


def test_reduced_motion_stops_the_waveform_animation(browser, sample_build):
    _, url, _ = sample_build
    counts = {}
    for motion in ("no-preference", "reduce"):
        context = browser.new_context(reduced_motion=motion)
        page = context.new_page()
        page.add_init_script("window.__frames = 0; const raf = window.requestAnimationFrame;"
                             "window.requestAnimationFrame = f => { window.__frames++; return raf(f); };")
        page.goto(url + SAMPLE_EPISODE)
        wait_metadata(page)
        play_muted(page)
        page.wait_for_function("document.querySelector('.media').currentTime > 0.8",
                               polling=100, timeout=10_000)   # playwright's own polling uses frames
        counts[motion] = page.evaluate("window.__frames")
        context.close()
    assert counts["no-preference"] > 10 and counts["reduce"] <= 1, counts


def test_subscribe_panel_opens_apps_not_xml(visit, sample_build):
    _, url, _ = sample_build
    v = visit()
    page = v.open(url + "embed/locked-up-living/index.html")
    wait_metadata(page)
    page.get_by_text("Subscribe", exact=True).click()
    feed = "https://media.example.org/feeds/locked-up-living.xml"
    links = {name: page.get_by_role("link", name=name).get_attribute("href")
             for name in ("Apple Podcasts", "Pocket Casts", "Overcast", "AntennaPod", "Castro",
                          "Podcast Addict")}
    assert links["Apple Podcasts"] == "podcast://media.example.org/feeds/locked-up-living.xml"
    assert links["Overcast"] == "overcast://x-callback-url/add?url=" + urllib.parse.quote(feed, safe="")
    raw = page.evaluate("[...document.links].filter(a => a.protocol.startsWith('http')"
                        " && /[.](xml|json)$/.test(a.pathname)).map(a => a.href)")
    assert raw == []
    assert page.get_by_role("textbox", name=re.compile("Feed URL")).input_value() == feed
    page.get_by_role("button", name="Copy the feed URL").click()
    # The clipboard answers asynchronously: the message appears once it has (as a person sees it).
    page.wait_for_function("() => document.querySelector('.copy-status').textContent.trim() !== ''",
                           timeout=10_000)
    assert page.locator(".copy-status").inner_text() in ("Copied.", "Select the link and copy it.")
    assert v.errors == []


def _bytes_before_play(browser, address: str) -> tuple[int, int]:
    """(all bytes, media bytes) the page transfers before anyone presses play."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls, sizes = {}, {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.loadingFailed", lambda e: sizes.setdefault(e["requestId"], 0))
    page.goto(address, wait_until="networkidle")
    page.wait_for_timeout(500)
    context.close()
    media = sum(n for rid, n in sizes.items() if "/media/" in urls.get(rid, ""))
    return sum(sizes.values()), media


def test_an_embed_costs_well_under_600_kb_before_play(browser, sample_build):
    _, url, _ = sample_build
    total, media = _bytes_before_play(browser, url + SAMPLE_EPISODE)
    print(f"episode embed before play: {total / 1000:.0f} kB ({media / 1000:.0f} kB of media)")
    assert media == 0 and total < 450_000          # preload="none": no media until play
    total, media = _bytes_before_play(browser, url + "embed/locked-up-living/index.html")
    print(f"show embed before play: {total / 1000:.0f} kB ({media / 1000:.0f} kB of media)")
    assert media == 0 and total < 450_000          # preload="none": no media until play


def _host_page(folder: Path, url: str, snippets: list[str]) -> None:
    (folder / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>A charity website</title><link rel="icon" href="data:,">'
        "<style>body{margin:0;font:16px sans-serif} main{max-width:1100px;margin:0 auto;padding:0 16px}"
        " .item{margin:24px 0}</style></head><body><main><h1>Our podcasts</h1>"
        + "".join(f'<div class="item">{html}</div>' for html in snippets)
        + "<script>window.posted = new Map(); addEventListener('message', e => {"
        " for (const f of document.querySelectorAll('iframe'))"
        "  if (f.contentWindow === e.source && e.data && e.data.type === 'media-pub:resize')"
        "   window.posted.set(f.src, e.data.height); });</script>"
        f'<script src="{url}embed/embed.js" async></script></main></body></html>', encoding="utf-8")


@pytest.fixture(scope="module")
def host(sample_build, tmp_path_factory):
    """A charity's page on a second 127.0.0.1 origin: the oEmbed html of an episode and of
    the show, for both sample shows, plus embed.js."""
    import json as _json

    out, url, _ = sample_build
    keys = ["embed/locked-up-living/001-gerard-drennan.oembed.json",
            "embed/locked-up-living/index.oembed.json",
            "embed/bethlem-ceramics/01-storage-jar.oembed.json",
            "embed/bethlem-ceramics/index.oembed.json"]
    snippets = [_json.loads((out / key).read_text("utf-8"))["html"].replace(
        "https://media.example.org/", url) for key in keys]
    folder = tmp_path_factory.mktemp("host")
    _host_page(folder, url, snippets)
    server = _start(folder)
    yield server.url
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("width", [320, 390, 1200])
def test_embeds_fit_a_host_page_on_another_origin(visit, sample_build, host, width):
    _, url, _ = sample_build
    assert host != url
    v = visit(width=width, height=800)
    page = v.open(host)
    frames = page.locator("iframe")
    assert frames.count() == 4
    for i in range(frames.count()):
        frame = frames.nth(i)
        frame.scroll_into_view_if_needed()                # loading="lazy": load it
        src = frame.get_attribute("src")
        page.wait_for_function(
            "src => { const f = [...document.querySelectorAll('iframe')].find(f => f.src === src);"
            " const h = window.posted.get(src);"
            " return h && Math.abs(f.getBoundingClientRect().height - h) < 0.5; }", arg=src,
            timeout=10_000)
        page.wait_for_timeout(150)                        # settled: no further resize
        posted = page.evaluate("src => window.posted.get(src)", src)
        box = frame.bounding_box()
        assert abs(box["height"] - posted) < 0.5, (src, box, posted)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (src, box)
        inner = next(f for f in page.frames if f.url == src)
        sizes = inner.evaluate("[document.documentElement.scrollWidth, innerWidth,"
                               " document.documentElement.scrollHeight, innerHeight]")
        assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3], (src, sizes)   # no inner scrollbar
        assert inner.evaluate("document.querySelector('.ctl.play').getAttribute('aria-label')") == "Play"
    assert page.evaluate("document.documentElement.scrollWidth") <= width   # no sideways scroll
    assert v.errors == []


def test_embed_js_ignores_messages_that_are_not_from_the_frames_origin(visit, host):
    v = visit(width=1200)
    page = v.open(host)
    frame = page.locator("iframe").first
    frame.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('iframe').dataset.mediaPubHeight", timeout=10_000)
    before = frame.bounding_box()["height"]
    # the host page itself (another origin than the frame's) and a malformed height
    page.evaluate("window.postMessage({type: 'media-pub:resize', height: 5}, '*')")
    page.frames[1].evaluate("parent.postMessage({type: 'media-pub:resize', height: 'x'}, '*')")
    page.wait_for_timeout(200)
    assert frame.bounding_box()["height"] == before
    assert v.errors == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_violations_on_any_page_layout_or_theme(visit, sample_build, axe_source, theme):
    _, url, _ = sample_build
    v = visit()
    found = {}
    addresses = [f"{key}?theme={theme}" for key in SAMPLE_PAGES + SITE_PAGES]
    addresses += [f"{key}?theme={theme}&layout=compact" for key in SAMPLE_PAGES]
    for address in addresses:
        page = v.open(url + address)
        wait_metadata(page) if "index.html" != address.split("?")[0] else None
        page.add_script_tag(content=axe_source)
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        if result["violations"]:
            found[address] = [(r["id"], r["impact"], [n["html"][:100] for n in r["nodes"]][:2])
                              for r in result["violations"]]
    assert found == {}
    assert v.errors == []


def test_the_website_links_every_episode_and_fits_a_phone(visit, sample_build):
    import json as _json
    import xml.etree.ElementTree as ET

    out, url, _ = sample_build
    index = _json.loads((out / "embed/index.json").read_text("utf-8"))
    v = visit(width=320)
    home = v.open(url)
    assert home.title() == "Podcasts and films"
    sitemap = [loc.text for loc in ET.fromstring((out / "sitemap.xml").read_text("utf-8")).iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    for show in index["shows"]:
        home = v.open(url)
        home.get_by_role("link", name=show["title"]).click()
        home.wait_for_load_state("load")
        assert home.url == url + f"shows/{show['slug']}/index.html"
        wait_metadata(home)
        assert home.evaluate("document.documentElement.scrollWidth") <= 320
        feed = home.locator("link[rel=alternate][type='application/rss+xml']").get_attribute("href")
        assert home.request.get(urllib.parse.urljoin(home.url, feed)).ok
        hrefs = home.locator(".page-link").evaluate_all("links => links.map(a => a.href)")
        wanted = [url + f"shows/{show['slug']}/{ep['slug']}.html" for ep in show["episodes"]]
        assert sorted(hrefs) == sorted(wanted)                       # every episode, linked
        assert "https://media.example.org/" + f"shows/{show['slug']}/index.html" in sitemap
        for address in wanted:
            page = v.open(address)
            wait_metadata(page)
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, address
            slug = address.rsplit("/", 1)[1][:-5]
            ep = next(e for e in show["episodes"] if e["slug"] == slug)
            assert page.locator("h1").inner_text() == ep["title"]
            assert page.locator("meta[property='og:title']").get_attribute("content") == ep["title"]
            assert page.locator("meta[property='og:url']").get_attribute("content") == (
                "https://media.example.org/" + address[len(url):])
            assert "https://media.example.org/" + address[len(url):] in sitemap
    page = v.open(url + "shows/locked-up-living/001-gerard-drennan.html")
    text = page.locator(".transcript").inner_text()
    assert "If there is trauma, there will have been harm." in text    # the full transcript as text
    assert "Thanks" in page.locator(".chapters").inner_text()
    assert v.errors == []
