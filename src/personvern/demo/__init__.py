"""The demo shop: a realistic Nordic online shop's database, its data and its manifest."""

from pathlib import Path

MANIFEST = Path(__file__).with_name("manifest.yaml")
"""The demo shop's manifest, shipped with the package."""
DEFAULT_URL = "sqlite:///personvern-demo.db"
"""Where ``personvern demo`` keeps the demo shop unless ``PERSONVERN_DEMO_DB`` says otherwise."""
