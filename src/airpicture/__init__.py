"""airpicture: a defensive airspace early-warning system.

It fuses radar plots, ADS-B / Mode S and drone Remote ID into one tracked air picture, classifies
what flies, warns a human operator about drones over protected sites and shows it on a live map.
It observes and informs people; it never controls an effector.
"""

from airpicture.errors import (
    AirpictureError,
    ConfigError,
    DecodeError,
    InputError,
    RecordError,
    SinkError,
    SourceError,
)

__version__ = "0.1.0"

__all__ = [
    "AirpictureError",
    "ConfigError",
    "DecodeError",
    "InputError",
    "RecordError",
    "SinkError",
    "SourceError",
    "__version__",
]
