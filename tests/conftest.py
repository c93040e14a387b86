import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from media_factory import make_audio, make_image, make_video
from project_factory import make_episode, make_show, write_site


@pytest.fixture
def media(tmp_path):
    """Factories for small real media files under the test's tmp_path."""

    class Media:
        audio = staticmethod(make_audio)
        video = staticmethod(make_video)
        image = staticmethod(make_image)

    return Media


@pytest.fixture(scope="session")
def built_template(tmp_path_factory) -> Path:
    """A small project built once: one show, one 1.5 s episode (copy it with ``project``)."""
    from click.testing import CliRunner

    from media_pub.cli import cli

    root = tmp_path_factory.mktemp("template") / "project"
    root.mkdir()
    write_site(root)
    make_show(root)
    make_episode(root, "demo", "good", title="Good")
    result = CliRunner().invoke(cli, ["--project", str(root), "build"])
    assert result.exit_code == 0, result.stderr
    return root


@pytest.fixture
def project(built_template, tmp_path) -> Path:
    """A fresh copy of the built template project for one test to change."""
    import shutil

    root = tmp_path / "project"
    shutil.copytree(built_template, root, symlinks=True)
    return root
