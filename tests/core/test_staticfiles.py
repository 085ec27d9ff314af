"""plotly.js from the plotly package, and the stand-ins that keep it inside the CSP."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

from core.staticfiles import PLOTLY_DIR, PlotlyFinder

BUNDLE = (PLOTLY_DIR / "plotly.min.js").read_text(encoding="utf-8")
CHART_STYLES = (Path(settings.BASE_DIR) / "templates" / "components" / "chart_styles.html").read_text()
PLOTLY_CSS = (Path(settings.BASE_DIR) / "static" / "css" / "plotly.css").read_text()


def test_plotly_js_is_found_at_its_static_path():
    assert finders.find("vendor/plotly/plotly.min.js") == str(PLOTLY_DIR / "plotly.min.js")


def test_only_plotly_js_is_collected_from_the_package():
    listed = [(path, storage.prefix) for path, storage in PlotlyFinder().list([])]
    assert listed == [("plotly.min.js", "vendor/plotly")]
    assert PlotlyFinder().find("vendor/plotly/widgetbundle.js") == []


def test_the_bundle_still_skips_its_inline_styles_for_the_page_s_stand_ins():
    """plotly.js adds <style> elements, which the CSP blocks, unless these ids are on the page.
    If an upgrade changes them, the browser test fails on a CSP violation; this says why."""
    assert 'n.matches(".no-inline-styles")' in BUNDLE
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in CHART_STYLES
    maplibre_id = re.search(r'<meta name="plotly-maplibre-css"[^>]* id="([0-9a-f]{64})">', CHART_STYLES).group(1)
    assert f'getElementById("{maplibre_id}")' in BUNDLE
    assert BUNDLE.count('createElement("style")') == 2  # those two, and no new one


def test_the_copied_plotly_rules_are_for_the_bundle_s_version():
    version = re.search(r"plotly\.js v(\S+)", BUNDLE[:200]).group(1)
    assert f"plotly.js {version} would otherwise inject" in PLOTLY_CSS
