#!/usr/bin/env python3
"""Screenshots of the players and the website for the README, made from a real build.

    python tools/screenshots.py            # writes docs/screenshots/*.png

Builds the repository's sample shows with `media-pub build` in a scratch folder, serves
the build on 127.0.0.1 with media-pub's own preview server, and photographs each page in
headless Chromium (playwright, Debian's /usr/bin/chromium by default; set CHROMIUM to
another binary) at 390 px (a phone) and 1200 px (a desktop column). The PNGs are reduced
to 64 colours so they stay small enough to commit. Nothing here is typed by hand: re-run
it after changing the templates, the CSS or the samples.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
WIDTHS = (390, 1200)
PAGES = {   # file name -> (page, height shown at 390 px, height shown at 1200 px)
    "episode-player": ("embed/locked-up-living/001-gerard-drennan.html", 1100, 760),
    "show-player": ("embed/bethlem-ceramics/index.html?theme=dark", 1000, 900),
    "compact-card": ("embed/locked-up-living/003-keeping-well-inside.html?layout=compact", 220, 220),
    "website-episode": ("shows/bethlem-ceramics/01-storage-jar.html", 1100, 900),
    "website-home": ("index.html", 700, 500),
}


def build(folder: Path) -> Path:
    for name in ("media-pub.toml", "feeds", "episodes"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    subprocess.run([sys.executable, "-m", "media_pub", "--project", str(folder), "-q", "build"],
                   cwd=REPO, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    return folder / "public"


def main() -> int:
    sys.path.insert(0, str(REPO))
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from media_pub.serve import make_server

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="media-pub-shots-") as scratch:
        server = make_server(build(Path(scratch)), 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                    args=["--headless", "--no-sandbox", "--disable-gpu"])
                for name, (key, *heights) in PAGES.items():
                    for width, height in zip(WIDTHS, heights, strict=True):
                        page = browser.new_page(viewport={"width": width, "height": height})
                        page.goto(server.url + key, wait_until="networkidle")
                        page.wait_for_function("!document.querySelector('[data-player]')"
                                               " || document.querySelector('[data-ready]')")
                        target = OUT / f"{name}-{width}.png"
                        page.screenshot(path=str(target))
                        page.close()
                        with Image.open(target) as shot:
                            shot.convert("RGB").quantize(64).save(target, optimize=True)
                        print(f"{target.relative_to(REPO)}: {target.stat().st_size // 1000} kB")
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
