"""Browser test of the map with the network blocked: it must request nothing outside the app and still draw the
municipality's outline, names and data, show plain-text tooltips, and carry its zoom in the shared link."""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import browser_page, need_chromium, running_app, wait_until_idle

pytestmark = pytest.mark.browser
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "karta.png"


def colours(png: bytes) -> dict[str, int]:
    """How many pixels are sea blue, land grey and white (the base layer) and warm (the data)."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return {
        "sea": int(((abs(r - 201) < 6) & (abs(g - 225) < 6) & (abs(b - 240) < 6)).sum()),
        "land": int(((abs(r - 239) < 4) & (abs(g - 238) < 4) & (abs(b - 232) < 4)).sum()),
        "warm": int(((r > 180) & (b < 120) & (r - b > 90)).sum()),
    }


def project(lon: float, lat: float, state: dict, width: float, height: float) -> tuple[float, float]:
    """Pixel of (lon, lat) in a deck.gl MapView of `width` × `height` at `state` (512 px world at zoom 0)."""
    import math

    def mercator(lo: float, la: float) -> tuple[float, float]:
        rad = math.radians(la)
        return (lo + 180) / 360, (1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2

    scale = 512 * 2 ** state["zoom"]
    (x, y), (cx, cy) = mercator(lon, lat), mercator(state["longitude"], state["latitude"])
    return width / 2 + (x - cx) * scale, height / 2 + (y - cy) * scale


def test_the_map_works_offline_with_outline_names_tooltips_and_zoom_in_the_link(demo_db):
    need_chromium()
    with running_app(demo_db) as url, browser_page(width=1400, height=1400) as page:
        local = urlsplit(url).netloc
        outside: list[str] = []
        failed: list[str] = []
        decks: list[dict] = []

        def only_local(route) -> None:
            target = urlsplit(route.request.url)
            if target.scheme in ("data", "blob") or target.netloc == local:
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_local)
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.on("console", lambda m: decks.append({"error": m.text}) if m.type == "error" else None)
        page.goto(url + "/?sida=karta")
        wait_until_idle(page)
        chart = page.locator("[data-testid=stDeckGlJsonChart]").first
        chart.locator("canvas").first.wait_for(timeout=60_000)
        page.wait_for_timeout(2500)   # deck.gl draws on the next animation frames
        wait_until_idle(page)

        # What the page received: the base layer, the data and the names, in that order, and no tile style.
        spec = page.evaluate("""() => {
            const found = [];
            for (const el of document.querySelectorAll('[data-testid=stDeckGlJsonChart]')) {
                const key = Object.keys(el).find(k => k.startsWith('__reactFiber'));
                let fiber = key ? el[key] : null;
                while (fiber && !(fiber.memoizedProps && fiber.memoizedProps.element
                                  && fiber.memoizedProps.element.json)) fiber = fiber.return;
                if (fiber) found.push(fiber.memoizedProps.element.json);
            }
            return found;
        }""")
        assert spec, "the deck's JSON was not found on the page"
        sent = json.loads(spec[0])
        ids = [layer["id"] for layer in sent["layers"]]
        assert ids[:3] == ["hav", "kommuner", "egen_kommun"] and ids[-2:] == ["kommunnamn", "omradesnamn"]
        assert "rutor" in ids and "omraden" in ids
        assert sent["mapStyle"] == "__MAP_STYLE__"
        names = {row["text"] for layer in sent["layers"] if layer["id"] == "omradesnamn" for row in layer["data"]}
        assert "Falkvik" in names

        shot = chart.screenshot()
        seen = colours(shot)
        assert seen["sea"] > 20_000 and seen["land"] > 20_000 and seen["warm"] > 100, seen
        assert not [d for d in decks if "deck" in d["error"].lower()], decks   # every layer initialised

        # Hover over the busiest square (projected as deck.gl does): its tooltip, as plain text.
        box = chart.bounding_box()
        squares = next(layer for layer in sent["layers"] if layer["id"] == "rutor")["data"]
        darkest = max(squares, key=lambda row: (row["fill"][0] - row["fill"][2], -row["fill"][1]))
        x, y = project(darkest["position"][0] + 0.0019, darkest["position"][1] + 0.0011, sent["initialViewState"],
                       box["width"], box["height"])
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(800)
        tooltip = page.locator(".deck-tooltip").first
        tooltip.wait_for(state="visible", timeout=10_000)
        text = tooltip.inner_text()
        assert text.startswith("Ruta 250 m") and "händelser" in text, text
        assert "<b>" not in text and "<br" not in text and "\n" in text
        page.screenshot(path=str(SCREENSHOT), clip={"x": box["x"] - 20, "y": box["y"] - 250,
                                                   "width": box["width"] + 40, "height": box["height"] + 340})

        # Zoom: the slider moves the map and the share button's link carries it.
        page.get_by_role("slider", name="Zoom").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        wait_until_idle(page)
        page.wait_for_function("location.search.includes('karta=')", timeout=30_000)
        zoom = parse_qs(urlsplit(page.url).query)["karta"][0].split(",")[2]
        assert float(zoom) == sent["initialViewState"]["zoom"] + 0.5
        page.mouse.move(5, 5)   # no tooltip in the picture
        page.wait_for_timeout(1500)
        closer = colours(chart.screenshot())
        assert closer["sea"] < seen["sea"] and closer != seen   # the map itself moved closer, not only the link
        page.get_by_role("button", name="Kopiera länk").click()
        link = page.locator("[data-testid=stCode] code").first.inner_text()
        assert f",{zoom}" in parse_qs(urlsplit(link).query)["karta"][0]

        assert outside == [] and failed == [], (outside, failed)
