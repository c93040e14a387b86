"""The volunteer's path (issue 14): from `init` to a published episode, in their own terms.

Each test runs the real CLI on a generated project and asserts the message or behaviour a
volunteer would notice: placeholders never becoming identity, TOML mistakes explained on
the line where they are, files the tool would otherwise ignore.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from project_factory import make_episode, make_show, source_snapshot, write_site

from media_pub.cli import cli

PODCAST_NS = {"podcast": "https://podcastindex.org/namespace/1.0"}


def run(root: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None):
    return CliRunner().invoke(cli, ["--project", str(root), *args], env=env, input=input)


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scaffold") / "podcast"
    result = CliRunner().invoke(cli, ["init", str(root)])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def fresh(scaffold: Path, tmp_path: Path) -> Path:
    root = tmp_path / "podcast"
    shutil.copytree(scaffold, root)
    return root


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    write_site(root)
    make_show(root)
    make_episode(root, "demo", "good", title="Good")
    return root


# --- init placeholders never become identity ----------------------------------------------

def test_fresh_init_and_build_write_no_show_guid_and_validate_names_each_placeholder(fresh: Path):
    show_file = fresh / "feeds/my-show.toml"
    result = run(fresh, "build")
    assert result.exit_code == 0, result.output
    feed = etree.fromstring((fresh / "public/feeds/my-show.xml").read_bytes())
    assert feed.findtext("channel/podcast:guid", namespaces=PODCAST_NS)   # the preview feed has one...
    assert "guid" not in show_file.read_text()                            # ...but it is not written for good

    result = run(fresh, "validate")
    assert result.exit_code == 0, result.output          # warnings: the preview still validates
    lines = result.stdout.splitlines()
    for where, value in (("media-pub.toml:base_url", "https://media.example.org/"),
                         ("feeds/my-show.toml:owner.email", "podcast@example.org"),
                         ("feeds/my-show.toml:link", "https://example.org/my-show")):
        line = next((line for line in lines if f"project.placeholder {where}:" in line), None)
        assert line is not None, (where, result.stdout)
        assert line.startswith("WARNING") and repr(value) in line and "example value" in line


def test_publish_to_a_real_bucket_refuses_placeholders_before_building(fresh: Path):
    before = source_snapshot(fresh)
    # .invalid can never resolve: nothing could be uploaded even if the refusal were missing.
    env = {"MEDIA_PUB_STORAGE_ENDPOINT_URL": "https://storage.invalid"}
    result = run(fresh, "publish", "--to", "s3://podcast-bucket/shows", env=env)
    assert result.exit_code == 1, result.output
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f"Error: {fresh / 'media-pub.toml'}: base_url: 'https://media.example.org/' "
                              "is a placeholder, and s3://podcast-bucket/shows is a real target"), message
    assert "nothing was built or uploaded" in message and "2 more" in message
    assert not (fresh / "public").exists()
    assert source_snapshot(fresh) == before

    # With the real public URL, the owner's email is what still stands in the way.
    (fresh / "media-pub.toml").write_text('base_url = "https://media.ourcharity.org.uk/"\n')
    result = run(fresh, "publish", "--to", "s3://podcast-bucket/shows", env=env)
    assert result.exit_code == 1
    assert "feeds/my-show.toml: owner.email: 'podcast@example.org' is a placeholder" in result.stderr


# --- messages in the volunteer's terms ------------------------------------------------------

def test_toml_syntax_error_shows_the_line_with_a_caret_and_what_toml_wanted(demo: Path):
    show = demo / "feeds/demo.toml"
    show.write_text(show.read_text().replace('title = "Demo Show"', 'title = "Demo" Show'))
    result = run(demo, "build")
    assert result.exit_code == 1
    first, line, caret = result.stderr.rstrip("\n").splitlines()
    assert first == (f"Error: {show}: line 1, column 16: invalid TOML: TOML wanted the end of the line after "
                     'the value; put text in quotes as a whole, e.g. title = "My Show", and dates as '
                     "2026-11-20T09:00:00Z")
    assert line == '    title = "Demo" Show'
    assert caret == "    " + " " * 15 + "^"          # under the S of Show
    assert "Traceback" not in result.output and not (demo / "public").exists()


@pytest.mark.parametrize("file, typo, key", [("feeds/demo.toml", "titel", "title"),
                                              ("episodes/demo/good.toml", "descripton", "description"),
                                              ("media-pub.toml", "base_ulr", "base_url")])
def test_unknown_key_says_did_you_mean(demo: Path, file: str, typo: str, key: str):
    path = demo / file
    text = path.read_text()
    path.write_text(text.replace(f"{key} =", f"{typo} =") if f"{key} =" in text else f'{typo} = "x"\n' + text)
    result = run(demo, "build")
    assert result.exit_code == 1
    assert result.stderr.strip() == f'Error: {path}: {typo}: unknown key "{typo}" (did you mean "{key}"?)'


def test_chapters_are_numbered_from_one_in_messages(demo: Path):
    sidecar = demo / "episodes/demo/good.toml"
    sidecar.write_text(sidecar.read_text() + 'chapters = [ { start = "0:00", title = "One" }, '
                       '{ start = "0:01", title = "Two" }, { start = "9:00", title = "Three" } ]\n')
    result = run(demo, "build")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {sidecar}: chapters[3].start: is past the end"), result.stderr


def test_person_role_must_be_a_podcast_taxonomy_role_and_gets_its_group(demo: Path):
    sidecar = demo / "episodes/demo/good.toml"
    text = sidecar.read_text()
    sidecar.write_text(text + 'persons = [ { name = "Ann", role = "Host" }, { name = "Bo", role = "gust" } ]\n')
    result = run(demo, "build")
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: {sidecar}: persons[2].role: 'gust' is not a Podcast Taxonomy "
                                     'role (did you mean "guest"?)')

    sidecar.write_text(text + 'persons = [ { name = "Ann", role = "Host" }, { name = "Cy", role = "Producer" } ]\n')
    assert run(demo, "build").exit_code == 0
    feed = etree.fromstring((demo / "public/feeds/demo.xml").read_bytes())
    persons = [(p.text, p.get("role"), p.get("group"))
               for p in feed.findall("channel/item/podcast:person", PODCAST_NS)]
    assert persons == [("Ann", "host", "cast"), ("Cy", "producer", "creative direction")]
