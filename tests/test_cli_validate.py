"""`media-pub validate` through the CLI: shows are built then checked; any feed file is checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from media_factory import make_image
from project_factory import make_episode, make_show, write_site

from media_pub import config
from media_pub.cli import cli
from media_pub.errors import FeedError
from media_pub.checks import Severity, check_build, gate_publish


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("template") / "project"
    root.mkdir()
    # A show ready to go live: its own addresses (no example.org placeholders) and notes.
    write_site(root, "https://media.testnetwork.org.uk/")
    show = make_show(root)
    make_image(root / "feeds/art/demo.jpg", size=3000)   # directory-ready: Apple asks for 3000 px
    show.write_text(show.read_text().replace("example.org", "testnetwork.org.uk"))
    make_episode(root, "demo", "one", title="One",
                 extra='description = "Notes with a [link](https://testnetwork.org.uk)."\n')
    make_episode(root, "demo", "two", title="Two", published="2026-02-01T09:00:00Z", media_suffix=".m4a",
                 extra='description = "More notes."\n')
    return root


@pytest.fixture
def project(template, tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(template, root)
    return root


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--project", str(root), "validate", *args])


def test_a_good_show_is_built_and_passes(project: Path):
    result = run(project, "demo")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == "2 feed(s) checked: 0 error(s), 0 warning(s)"
    assert (project / "public/feeds/demo.xml").is_file()        # built first


def test_all_shows_when_none_named(project: Path):
    make_show(project, "other", title="Other Show")
    make_episode(project, "other", "x", title="X")
    result = run(project)
    assert result.exit_code == 0, result.output
    assert "4 feed(s) checked" in result.stderr


def test_artwork_too_small_fails_with_the_rule(project: Path):
    Image.new("RGB", (800, 800), (20, 40, 60)).save(project / "feeds/art/demo.jpg")
    result = run(project, "demo")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines == [("ERROR apple.artwork.size feeds/demo.toml:artwork: 800x800; Apple takes "
                     "1400 to 3000 px (fix: export it at 3000x3000)")]
    assert "Traceback" not in result.output


def test_json_output_is_one_document(project: Path):
    Image.new("RGB", (800, 800), (20, 40, 60)).save(project / "feeds/art/demo.jpg")
    result = run(project, "demo", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["errors"] == 1 and data["warnings"] == 0
    (finding,) = data["findings"]
    assert finding == {"rule": "apple.artwork.size", "severity": "error", "element": "artwork",
                       "message": "800x800; Apple takes 1400 to 3000 px", "fix": "export it at 3000x3000",
                       "file": "feeds/demo.toml", "feed": "feeds/demo.xml:channel/itunes:image"}


def test_any_feed_file_with_warnings_passes(project: Path, tmp_path: Path):
    assert run(project, "demo").exit_code == 0
    feed = (project / "public/feeds/demo.xml").read_text().replace(
        "<itunes:explicit>false</itunes:explicit>", "<itunes:explicit>no</itunes:explicit>")
    elsewhere = tmp_path / "their-feed.xml"
    elsewhere.write_text(feed)
    result = run(project, str(elsewhere))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith(f"WARNING apple.explicit {elsewhere}:channel/itunes:explicit:")


def test_a_built_feed_file_is_checked_against_the_build(project: Path):
    """A feed file inside the build dir: enclosures are compared with the real files."""
    assert run(project, "demo").exit_code == 0
    feed_path = project / "public/feeds/demo.xml"
    media = project / "public/media/demo/one.mp3"
    feed_path.write_text(feed_path.read_text().replace(f'length="{media.stat().st_size}"', 'length="12"'))
    result = run(project, str(feed_path))
    assert result.exit_code == 1
    assert "ERROR rss.enclosure.length" in result.stdout
    assert f"but the file is {media.stat().st_size} bytes" in result.stdout


def test_unknown_show_is_one_clear_error(project: Path):
    result = run(project, "nope")
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Error: ")
    assert "no such show 'nope'" in result.stderr
    assert "Traceback" not in result.output


def test_check_build_names_each_feed(project: Path):
    assert run(project, "demo").exit_code == 0
    settings = config.load(project, {})
    assert check_build(settings) == []
    # The show delivers MP3 (the default), so the .m4a source was encoded to two.mp3.
    (project / "public/media/demo/two.mp3").unlink()
    findings = check_build(settings)
    assert {(f.file, f.rule, f.severity) for f in findings} == {
        ("feeds/demo.xml", "local.missing", Severity.ERROR), ("feeds/demo.json", "local.missing", Severity.ERROR)}


def test_publish_gate_refuses_feeds_with_errors_unless_forced(project: Path):
    assert run(project, "demo").exit_code == 0
    settings = config.load(project, {})
    assert gate_publish(settings, ["demo"]) == []
    Image.new("RGB", (800, 800), (20, 40, 60)).save(project / "public/art/demo.jpg")
    with pytest.raises(FeedError) as refused:
        gate_publish(settings, ["demo"])
    assert str(refused.value) == (
        f"{project.resolve() / 'public/feeds/demo.xml'}: 1 validation error(s), first apple.artwork.size "
        "channel/itunes:image: 800x800; Apple takes 1400 to 3000 px; nothing was uploaded (run `media-pub "
        "validate` to see all, fix them, or publish --force)")
    forced = gate_publish(settings, ["demo"], force=True)
    assert [f.rule for f in forced] == ["apple.artwork.size"]
    assert gate_publish(settings, ["other"]) == []            # only the shows being published


def test_a_missing_feed_file_is_named(project: Path):
    result = run(project, "public/feeds/nope.xml")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: public/feeds/nope.xml: no such feed file (and not a show name)"


REPO = Path(__file__).resolve().parents[1]


def test_the_sample_shows_pass(tmp_path: Path):
    for name in ("feeds", "episodes"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copyfile(REPO / "media-pub.toml", tmp_path / "media-pub.toml")
    result = run(tmp_path)
    assert result.exit_code == 0, result.stdout


def test_publish_refuses_a_feed_that_fails_validation_unless_forced(tmp_path):
    """Artwork too small for Apple: publish uploads nothing; --force uploads and says so."""
    from click.testing import CliRunner

    from media_factory import make_image
    from media_pub.cli import cli
    from project_factory import make_episode, make_show, write_site

    project = tmp_path / "project"
    project.mkdir()
    write_site(project)
    make_show(project)
    make_image(project / "feeds/art/demo.jpg", size=600)
    make_episode(project, "demo", "ep")
    target = tmp_path / "site"
    refused = CliRunner().invoke(cli, ["--project", str(project), "publish", "--to", str(target)])
    assert refused.exit_code == 1
    assert "apple.artwork.size" in refused.stderr and "Traceback" not in refused.output
    assert not target.exists() or not any(target.rglob("*.xml"))
    forced = CliRunner().invoke(cli, ["--project", str(project), "publish", "--to", str(target), "--force"])
    assert forced.exit_code == 0, forced.stderr
    assert "--force" in forced.stderr
    assert (target / "feeds/demo.xml").is_file() and (target / "media/demo/ep.mp3").is_file()
