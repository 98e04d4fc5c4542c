"""Cards in a real browser (headless Chromium): what a student sees at 360 and 1200 pixels,
in light and in night mode, measured from the page's DOM and computed styles."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import deck2anki
from deck2anki.cli.preview import preview

from conftest import SEED, import_package

CHROMIUM = next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (found := shutil.which(name))
    ),
    None,
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="NO BROWSER: headless Chromium is not installed, so the card layout, night mode"
    " and contrast were NOT checked in a browser (.ci/run installs Debian's chromium)",
)
DOCS = Path(__file__).resolve().parent.parent / "docs"

# Runs in the page after it has loaded; writes what it measured into <pre id="results">.
PROBE = """
<pre id="results"></pre><script>
function rgb(text) { const m = text.match(/[\\d.]+/g).map(Number); return m.slice(0, 4); }
function luminance([r, g, b]) {
  const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}
function background(element) {
  for (let e = element; e; e = e.parentElement) {
    const colour = rgb(getComputedStyle(e).backgroundColor);
    if (colour.length < 4 || colour[3] > 0) return colour;
  }
  return [255, 255, 255];
}
function contrast(element) {
  const a = luminance(rgb(getComputedStyle(element).color));
  const b = luminance(background(element));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
const backs = [...document.querySelectorAll(BACKS)];
const texts = [...document.querySelectorAll(
  '.d2a-question, .d2a-answer, .d2a-analogy-text, .d2a-label, .d2a-prompt')];
const code = document.querySelector('.d2a-answer code');
const root = document.documentElement;
document.getElementById('results').textContent = JSON.stringify({
  backs: backs.length,
  analogyShown: backs.filter((b) => { const a = b.querySelector('.d2a-analogy');
    return a && a.offsetHeight > 0 && getComputedStyle(a).display !== 'none'; }).length,
  labelWithoutBlock: backs.filter((b) => !b.querySelector('.d2a-analogy')
    && b.querySelector('.d2a-label')).length,
  pageOverflows: root.scrollWidth > root.clientWidth,
  cardsOverflowing: [...document.querySelectorAll('.card')]
    .filter((c) => c.scrollWidth > c.clientWidth + 1).length,
  codeFont: code ? getComputedStyle(code).fontFamily : null,
  textFont: getComputedStyle(document.querySelector('.d2a-answer')).fontFamily,
  lowestContrast: Math.min(...texts.map(contrast)),
  night: document.querySelector('.card').classList.contains('nightMode'),
});
</script>
"""


def measure(page: str, folder: Path, width: int, mode: str, backs: str) -> dict[str, Any]:
    """Load ``page`` in headless Chromium at ``width`` pixels; the probe's measurements."""
    target = folder / f"page-{width}-{mode}.html"
    target.write_text(
        page.replace("</body>", PROBE.replace("BACKS", repr(backs)) + "</body>"), encoding="utf-8"
    )
    hash_ = "dark" if mode == "night" else "light"
    output = subprocess.run(
        [
            CHROMIUM or "",
            *_flags(folder),
            "--dump-dom",
            f"--window-size={width},900",
            f"{target.as_uri()}#{hash_}{',phone' if width < 500 else ''}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found = re.search(r'<pre id="results">(.*?)</pre>', output, re.S)
    assert found, output[-2000:]
    result: dict[str, Any] = json.loads(found.group(1))
    return result


def _flags(folder: Path) -> list[str]:
    # No network, no first-run work: the machine's network is closed and tests stay quiet.
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={folder / 'profile'}",
    ]


def screenshot(page: Path, target: Path, width: int, mode: str, folder: Path) -> None:
    hash_ = "dark" if mode == "night" else "light"
    subprocess.run(
        [
            CHROMIUM or "",
            *_flags(folder),
            f"--screenshot={target}",
            f"--window-size={width},{640 if width < 500 else 520}",
            f"{page.as_uri()}#{hash_}{',phone' if width < 500 else ''}",
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )


@pytest.fixture(scope="module")
def seed_preview() -> str:
    return preview(SEED)


@pytest.mark.parametrize("width", [360, 1200])
def test_markdown_with_code_tables_and_images_stays_inside_the_card(
    tmp_path: Path, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    markdown = Path(__file__).resolve().parent / "fixtures" / "markdown"
    monkeypatch.chdir(markdown)
    page = preview(markdown / "biology.md")
    assert page.count('src="data:image/png;base64,') == 1  # the image, on its card's back
    result = measure(page, tmp_path, width, "night", ".side:nth-child(2) .card")
    assert (result["backs"], result["analogyShown"], result["labelWithoutBlock"]) == (3, 2, 0)
    assert result["pageOverflows"] is False
    assert result["cardsOverflowing"] == 0
    assert "monospace" in result["codeFont"]
    assert result["lowestContrast"] >= 4.5


@pytest.mark.parametrize("width", [360, 1200])
@pytest.mark.parametrize("mode", ["light", "night"])
def test_the_seed_preview_reads_well_at_every_width_and_mode(
    seed_preview: str, tmp_path: Path, width: int, mode: str
) -> None:
    result = measure(seed_preview, tmp_path, width, mode, ".side:nth-child(2) .card")
    assert result["night"] == (mode == "night")
    assert result["backs"] == 20
    assert result["analogyShown"] == 16  # the seed: 16 of 20 cards have an analogy
    assert result["labelWithoutBlock"] == 0
    assert result["pageOverflows"] is False
    assert result["cardsOverflowing"] == 0
    assert "monospace" in result["codeFont"] and result["codeFont"] != result["textFont"]
    assert result["lowestContrast"] >= 4.5


@pytest.mark.parametrize("mode", ["light", "night"])
def test_the_cards_anki_renders_read_well_too(
    project: Path, collection: Any, tmp_path: Path, mode: str
) -> None:
    (built,) = deck2anki.build(timestamp=1_700_000_000).built
    import_package(collection, built.output)
    night = " nightMode night_mode" if mode == "night" else ""
    sides = []
    for card_id in sorted(collection.find_cards("")):
        card = collection.get_card(card_id)
        # As Anki's reviewer shows a card: its HTML (style included) in the .card root.
        sides.append(f'<div class="card{night} oracle-back">{card.answer()}</div>')
    page = f"<!DOCTYPE html><html><body>{''.join(sides)}</body></html>"
    result = measure(page, tmp_path, 360, mode, ".oracle-back")
    assert result["backs"] == 20
    assert result["analogyShown"] == 16
    assert result["labelWithoutBlock"] == 0
    assert result["cardsOverflowing"] == 0
    assert "monospace" in result["codeFont"]
    assert result["lowestContrast"] >= 4.5


def test_reference_screenshots_of_the_first_card(seed_preview: str, tmp_path: Path) -> None:
    """Screenshots at 360 and 1200 pixels, light and night: made fresh, compared in size to
    the four kept in docs/ (which were looked at when made)."""
    first = seed_preview.split('<section class="preview-card">')
    page = tmp_path / "first.html"
    page.write_text(
        first[0]
        + '<section class="preview-card">'
        + first[1].split("</section>")[0]
        + "</section></main>"
        + seed_preview.split("</main>")[1],
        encoding="utf-8",
    )
    for width in (360, 1200):
        for mode in ("light", "night"):
            shot = tmp_path / f"card-{mode}-{width}.png"
            screenshot(page, shot, width, mode, tmp_path)
            assert shot.stat().st_size > 5_000
            assert (DOCS / shot.name).is_file(), f"docs/{shot.name} is missing"
