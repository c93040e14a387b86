"""Artwork delivered like media (SPEC 5.2): images made here, through `build`, read back with Pillow.

One project carries every kind of problem that delivery fixes (a CMYK 4000x3000 show
artwork, an RGBA PNG, a 600 px JPEG, a non-square PNG, cover art inside an MP3, an
episode with no image at all); it validates with warnings, not errors, and publishes.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from lxml import etree
from mutagen.id3 import APIC, ID3, PictureType
from mutagen.mp4 import MP4
from PIL import Image

from media_pub.cli import cli
from project_factory import make_episode, make_show, source_snapshot, write_site

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
BASE = "https://media.example.org/"


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--project", str(root), *args])


def noisy(size: tuple[int, int]) -> Image.Image:
    """A photo-like image (noise compresses badly, so sizes and quality matter)."""
    return Image.effect_noise(size, 60).convert("RGB")


def gradient(size: tuple[int, int], mode: str) -> Image.Image:
    """A smooth image (compresses well, so encoding it is quick)."""
    grey = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (grey, grey.rotate(90), grey.rotate(180))).convert(mode)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("art") / "project"
    root.mkdir()
    write_site(root)
    make_show(root, "demo")
    art = root / "feeds/art"
    gradient((4000, 3000), "CMYK").save(art / "demo.jpg", "JPEG", quality=90)   # CMYK, too big, not square
    folder = root / "episodes/demo"
    rgba = Image.new("RGBA", (1600, 1600), (200, 30, 30, 255))
    rgba.paste((0, 0, 0, 0), (0, 0, 800, 1600))                              # half transparent
    folder.mkdir(parents=True)
    rgba.save(folder / "alpha.png")
    Image.new("RGB", (600, 600), (30, 160, 60)).save(folder / "small.jpg", quality=90)
    Image.new("RGB", (2000, 1500), (250, 200, 0)).save(folder / "wide.png")
    make_episode(root, "demo", "e1-alpha", title="Alpha", extra='image = "alpha.png"\n')
    make_episode(root, "demo", "e2-small", title="Small", published="2026-01-02T09:00:00Z",
                 extra='image = "small.jpg"\n')
    make_episode(root, "demo", "e3-wide", title="Wide", published="2026-01-03T09:00:00Z",
                 extra='image = "wide.png"\n')
    embedded = make_episode(root, "demo", "e4-embedded", title="Embedded", published="2026-01-04T09:00:00Z")
    cover = io.BytesIO()
    Image.new("RGB", (1500, 1500), (10, 20, 240)).save(cover, "JPEG")
    tags = ID3()
    tags.add(APIC(encoding=0, mime="image/jpeg", type=PictureType.COVER_FRONT, desc="", data=cover.getvalue()))
    tags.save(embedded.with_suffix(".mp3"))
    make_episode(root, "demo", "e5-plain", title="Plain", published="2026-01-05T09:00:00Z")
    return root


@pytest.fixture(scope="module")
def built(template, tmp_path_factory):
    """The project after `validate` (which builds first), with the source hashes from before."""
    root = tmp_path_factory.mktemp("built") / "project"
    shutil.copytree(template, root)
    before = source_snapshot(root)
    result = run(root, "validate", "demo")
    return root, before, result


def delivered(root: Path, key: str) -> Image.Image:
    image = Image.open(root / "public" / key)
    image.load()
    return image


def test_a_project_whose_only_problems_delivery_fixes_validates_with_warnings(built):
    _, _, result = built
    assert result.exit_code == 0, result.output
    assert "ERROR" not in result.stdout
    warned = [line for line in result.stdout.splitlines() if line.startswith("WARNING delivery.fixed")]
    # Each names the TOML file and key to change, not a feed element.
    assert any(line.startswith("WARNING delivery.fixed feeds/demo.toml:artwork: demo.jpg was delivered "
                               "converted from CMYK to RGB, centre-cropped from 4000x3000 to 3000x3000")
               for line in warned), warned
    assert any("episodes/demo/e2-small.toml:image: small.jpg was delivered scaled from 600 px up to 1400 px"
               in line for line in warned), warned
    assert any("episodes/demo/e1-alpha.toml:image: alpha.png was delivered transparency flattened onto "
               "white, saved as JPEG" in line for line in warned), warned
    assert any("episodes/demo/e3-wide.toml:image: wide.png was delivered centre-cropped from 2000x1500 to "
               "1500x1500" in line for line in warned), warned


def test_sources_are_never_modified(built, template):
    """Images and media byte for byte; sidecars and the show file only gained their guid."""
    root, before, _ = built
    after = source_snapshot(root)
    assert {k: v for k, v in after.items() if not k.startswith("public/") and not k.endswith(".toml")} == {
        k: v for k, v in before.items() if not k.endswith(".toml")}
    for name in (k for k in before if k.endswith(".toml")):
        lines = [line for line in (root / name).read_text().splitlines() if not line.startswith("guid = ")]
        assert lines == (template / name).read_text().splitlines(), name


def test_delivered_images_are_square_rgb_jpeg_or_opaque_png_within_apples_sizes(built):
    root, _, _ = built
    show = delivered(root, "art/demo.jpg")
    assert (show.format, show.mode, show.size) == ("JPEG", "RGB", (3000, 3000))
    alpha = delivered(root, "art/demo/e1-alpha.jpg")          # transparency: JPEG, on white
    assert (alpha.format, alpha.mode, alpha.size) == ("JPEG", "RGB", (1600, 1600))
    assert alpha.getpixel((200, 800))[0] > 240 and alpha.getpixel((1400, 800))[1] < 80
    assert not (root / "public/art/demo/e1-alpha.png").exists()
    small = delivered(root, "art/demo/e2-small.jpg")
    assert (small.format, small.size) == ("JPEG", (1400, 1400))
    wide = delivered(root, "art/demo/e3-wide.png")             # an opaque PNG stays PNG
    assert (wide.format, wide.mode, wide.size) == ("PNG", "RGB", (1500, 1500))
    inside = delivered(root, "art/demo/e4-embedded.jpg")       # the MP3's own cover, delivered
    assert inside.size == (1500, 1500) and inside.getpixel((750, 750))[2] > 200
    assert not (root / "public/art/demo/e5-plain.jpg").exists()


def test_a_large_photo_is_compressed_to_512_kb_at_quality_70_or_more(tmp_path):
    from media_pub.media import images

    photo = io.BytesIO()
    noisy((2000, 2000)).save(photo, "JPEG", quality=98)
    assert len(photo.getvalue()) > 2 * 512 * 1024
    result = images.deliver_image(photo.getvalue(), "photo.jpg", tmp_path, show_artwork=True)
    data = result.path.read_bytes()
    if len(data) > 512 * 1024:       # noise this strong may not fit even at 70: then it says so
        assert any("quality 70" in note for note in result.warnings)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (2000, 2000)
        assert image.info.get("progressive") or image.info.get("progression")


def test_renditions_for_players(built):
    root, _, _ = built
    for stem, kind in (("art/demo", "JPEG"), ("art/demo/e1-alpha", "JPEG"), ("art/demo/e3-wide", "PNG")):
        for px in (96, 192, 400):
            image = delivered(root, f"{stem}.{px}.{'png' if kind == 'PNG' else 'jpg'}")
            assert (image.format, image.size) == (kind, (px, px))
    full = (root / "public/art/demo.jpg").stat().st_size
    assert (root / "public/art/demo.96.jpg").stat().st_size < full / 20


def test_every_item_carries_artwork_in_rss_and_json(built):
    root, _, _ = built
    xml = (root / "public/feeds/demo.xml").read_bytes()
    channel = etree.fromstring(xml).find("channel")
    images = {item.findtext("title"): item.find(f"{{{ITUNES}}}image").get("href").split("?v=")[0]
              for item in channel.iter("item")}
    assert images == {
        "Alpha": BASE + "art/demo/e1-alpha.jpg", "Small": BASE + "art/demo/e2-small.jpg",
        "Wide": BASE + "art/demo/e3-wide.png", "Embedded": BASE + "art/demo/e4-embedded.jpg",
        "Plain": BASE + "art/demo.jpg"}
    # Each URL carries the delivered image's version, so a changed image gets a new URL (Apple).
    show_href = channel.find(f"{{{ITUNES}}}image").get("href")
    digest = hashlib.sha256((root / "public/art/demo.jpg").read_bytes()).hexdigest()
    assert show_href == f"{BASE}art/demo.jpg?v={digest[:8]}"
    parsed = podcastparser.parse(BASE + "feeds/demo.xml", io.BytesIO(xml))
    assert all(episode["episode_art_url"] for episode in parsed["episodes"])
    assert all(entry.get("image", {}).get("href") for entry in feedparser.parse(xml).entries)
    import json

    items = json.loads((root / "public/feeds/demo.json").read_bytes())["items"]
    assert all(item["image"].startswith(BASE + "art/") and "?v=" in item["image"] for item in items)


def test_embedded_cover_art_is_the_delivered_image(built):
    root, _, _ = built
    show_art = (root / "public/art/demo.jpg").read_bytes()
    small = (root / "public/art/demo/e2-small.jpg").read_bytes()
    inside = (root / "public/art/demo/e4-embedded.jpg").read_bytes()
    assert ID3(root / "public/media/demo/e2-small.mp3").getall("APIC")[0].data == small
    assert ID3(root / "public/media/demo/e5-plain.mp3").getall("APIC")[0].data == show_art
    assert ID3(root / "public/media/demo/e4-embedded.mp3").getall("APIC")[0].data == inside


def test_the_project_publishes(built, tmp_path):
    root, _, _ = built
    target = tmp_path / "site"
    result = run(root, "publish", "--to", str(target))
    assert result.exit_code == 0, result.output
    assert (target / "art/demo.jpg").read_bytes() == (root / "public/art/demo.jpg").read_bytes()
    assert (target / "art/demo/e1-alpha.96.jpg").is_file()


def test_video_cover_art_is_the_delivered_image(tmp_path):
    write_site(tmp_path)
    make_show(tmp_path, "films", medium="video")
    (tmp_path / "episodes/films").mkdir(parents=True)
    Image.new("RGB", (1400, 1400), (90, 10, 10)).save(tmp_path / "episodes/films/x.png")
    make_episode(tmp_path, "films", "one", media_suffix=".mp4", video=True, extra='image = "x.png"\n')
    result = run(tmp_path, "build")
    assert result.exit_code == 0, result.output
    cover = MP4(tmp_path / "public/media/films/one.mp4").tags["covr"][0]
    assert bytes(cover) == (tmp_path / "public/art/films/one.png").read_bytes()


def test_show_artwork_under_1400_px_stays_an_error_with_the_fix(template, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(template, root)
    Image.new("RGB", (900, 900), (1, 2, 3)).save(root / "feeds/art/demo.jpg")
    result = run(root, "validate", "demo")
    assert result.exit_code == 1
    assert ("ERROR apple.artwork.size feeds/demo.toml:artwork: 900x900; Apple takes 1400 to 3000 px "
            "(fix: export it at 3000x3000)") in result.stdout.splitlines(), result.output
    assert "Traceback" not in result.output


def test_an_image_over_50_megapixels_is_one_clear_error(template, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(template, root)
    Image.new("L", (8000, 7000), 128).save(root / "episodes/demo/small.jpg", "JPEG")
    result = run(root, "build")
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert "e2-small.toml: image:" in message and "8000x7000" in message and "50 megapixel limit" in message
    assert "Traceback" not in result.output
    assert not (root / "public").exists()                   # nothing was written


def test_an_unreadable_image_names_the_file_and_key(template, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(template, root)
    (root / "episodes/demo/wide.png").write_bytes(b"\x89PNG\r\n\x1a\nthis is not an image")
    result = run(root, "build")
    assert result.exit_code == 1
    assert "e3-wide.toml: image: 'wide.png': not a readable image" in result.stderr
    assert "Traceback" not in result.output
