import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from media_factory import make_audio, make_image, make_video  # noqa: E402


@pytest.fixture
def media(tmp_path):
    """Factories for small real media files under the test's tmp_path."""

    class Media:
        audio = staticmethod(make_audio)
        video = staticmethod(make_video)
        image = staticmethod(make_image)

    return Media
