"""The player pages in real headless Chromium (Debian's /usr/bin/chromium via playwright),
served by `media-pub serve`'s server and from file://."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
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
    assert page.evaluate("document.querySelector('video').videoWidth") == 320
    play_muted(page)
    page.wait_for_function("document.querySelector('video').currentTime > 0.3", timeout=10_000)
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
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Embeds</title><link rel="icon" href="data:,"></head>'
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
    line = process.stderr.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
    try:
        assert match, line
        index = json.loads((root / "public/embed/index.json").read_text("utf-8"))
        yield match.group(1), index
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_built_project_players_work_from_serve(visit, served_project):
    url, index = served_project
    assert [show["slug"] for show in index["shows"]] == ["films", "talk"]
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
    assert page.evaluate("document.querySelector('video').videoWidth") > 0
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
