"""govarchive: a scheduled crawler and archive of published government reports.

The application package: configuration (``config``), the command line (``cli``), the web app
(``web``), alerts (``alerts``), the simulated government portal (``portal``) and the demo.
"""

from __future__ import annotations

__version__ = "0.1.0"
