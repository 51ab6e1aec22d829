"""The core every layer may use: settings (`config`), secrets (`keys`), database
engines and migrations (`db`). It imports nothing from bot/, actions/ or knowledge/."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
