"""validate in the volunteer's terms: directory-readiness warnings with their sources, and every
finding on a project's own feed pointed at the TOML file and key to change."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from media_factory import make_image
from media_pub.cli import cli
from project_factory import make_episode, make_show, write_site


def validate(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--project", str(root), "validate", *args])


def test_readiness_warnings_name_the_key_and_the_directory_guidance(tmp_path):
    write_site(tmp_path)
    make_show(tmp_path, "demo")                                    # 1400 px artwork
    make_episode(tmp_path, "demo", "003-part", title="Part 3: The jug")
    make_show(tmp_path, "films", medium="video")
    make_image(tmp_path / "feeds/art/films.jpg", size=3000)
    make_episode(tmp_path, "films", "one", title="One", media_suffix=".mp4", video=True)
    result = validate(tmp_path)
    assert result.exit_code == 0, result.output                   # warnings only
    lines = result.stdout.splitlines()

    def line(prefix: str) -> str:
        found = [text for text in lines if text.startswith(prefix)]
        assert found, (prefix, lines)
        return found[0]

    assert "Apple Podcasts: \"don't include episode or season numbers" in line(
        "WARNING directory.title.number episodes/demo/003-part.toml:title: 'Part 3: The jug' repeats the episode")
    assert "(fix: write the number as episode = N" in line("WARNING directory.title.number")
    assert "1400x1400; Apple asks for 3000x3000" in line("WARNING directory.artwork.size feeds/demo.toml:artwork:")
    assert "YouTube Help" in line("WARNING directory.youtube.video feeds/films.toml:medium:")
    assert "WCAG" in line("WARNING directory.captions episodes/films/one.toml:transcript:")
    assert not any("feeds/films.toml:artwork" in text for text in lines)   # 3000 px: ready
    assert not any(".xml:" in text.split(" (fix:")[0] for text in lines), lines


def test_fixes_are_written_as_toml_not_xml(tmp_path):
    write_site(tmp_path)
    show = make_show(tmp_path, "demo")
    show.write_text(show.read_text().replace('categories = ["Health & Fitness/Mental Health", "Society & Culture"]',
                                             'categories = ["Mental Health", "society & culture"]'))
    make_episode(tmp_path, "demo", "one")
    result = validate(tmp_path, "demo", "--json")
    assert result.exit_code == 1
    findings = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "apple.category"]
    assert [(f["file"], f["element"], f["fix"]) for f in findings] == [
        ("feeds/demo.toml", "categories",
         'write "Health & Fitness/Mental Health" in categories (a subcategory is written Top/Sub)'),
        ("feeds/demo.toml", "categories", 'write it exactly as "Society & Culture" in categories (case and & matter)')]
    assert all(f["feed"] == "feeds/demo.xml:channel/itunes:category" for f in findings)
    assert not any("<" in f["fix"] for f in json.loads(result.stdout)["findings"])
