"""plotly.js served by the site itself, from the plotly Python package.

The Python package that builds the chart specs (``core.charts``) ships the plotly.js it was
made for, so serving that copy keeps the two at one version, pinned once in the lock file,
with no npm package and no copy in the repository. The finder exposes that one file: the
package's folder also holds a 5 MB widget bundle and sample data that a plain
``STATICFILES_DIRS`` entry would have collectstatic copy and compress too.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core import checks
from django.core.files.storage import FileSystemStorage

PLOTLY_PREFIX = "vendor/plotly"
PLOTLY_FILE = "plotly.min.js"
PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"


class PlotlyFinder(BaseFinder):
    """Finds ``vendor/plotly/plotly.min.js`` for ``{% static %}``, collectstatic and WhiteNoise."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PLOTLY_DIR)
        self.storage.prefix = PLOTLY_PREFIX  # collectstatic and WhiteNoise put the file under this

    def check(self, **kwargs):
        if (PLOTLY_DIR / PLOTLY_FILE).is_file():
            return []
        return [checks.Error(f"{PLOTLY_DIR / PLOTLY_FILE} is missing: reinstall plotly", id="core.E001")]

    def find(self, path, find_all=False, **kwargs):
        if path != f"{PLOTLY_PREFIX}/{PLOTLY_FILE}":
            return []
        found = self.storage.path(PLOTLY_FILE)
        return [found] if find_all else found

    def list(self, ignore_patterns):
        yield PLOTLY_FILE, self.storage
