"""The one exception tree of airpicture.

    AirpictureError
    ├── InputError(ValueError)        bad input from outside: counted as a reject, never fatal to a stream
    │   ├── DecodeError               bytes that do not decode (Mode S, Beast, SBS, AVR, Remote ID, pcap)
    │   └── RecordError               a scenario / CSV / JSON row that is malformed or out of range
    ├── SourceError(OSError)          a file or socket that cannot be read at all (fatal for that source)
    ├── ConfigError                   bad settings (config.py), sensor sheets (sensors.py) or zone files
    ├── SinkError                     an output that cannot be written (a sink reports, the tracker goes on)
    ├── ScaleError                    a region of the partitioned live picture that cannot be brought back
    └── TaskError                     a batch task (`track --ray`) that failed on every attempt

Stream stages catch only `InputError`, turn it into a reject counted by its `reason`, and go on.
"""

from __future__ import annotations


class AirpictureError(Exception):
    """Base of every error airpicture raises on purpose."""


class InputError(AirpictureError, ValueError):
    """Input from the outside world that cannot be used.

    raw: the offending bytes or text (shortened); source: where it came from; reason: a short
    stable token used as the reject counter's key (e.g. ``"crc"``, ``"nan"``, ``"range"``).
    """

    def __init__(self, reason: str, raw: object = None, source: str = "") -> None:
        self.reason = reason
        self.raw = raw
        self.source = source
        shown = repr(raw)[:80] if raw is not None else ""
        super().__init__(f"{source + ': ' if source else ''}{reason}{' ' + shown if shown else ''}")


class DecodeError(InputError):
    """Bytes that do not decode into a message."""


class RecordError(InputError):
    """A row of a file that is malformed or holds values out of range."""


class SourceError(AirpictureError, OSError):
    """A file or a socket that cannot be read at all."""


class ConfigError(AirpictureError):
    """Operator-given settings, sensor sheets or zones that are invalid. The message names what is
    wrong and where: ``sensor 'TMA1' (#0): sigma_range_m: Field required``, or the settings field
    (``assess.alert_drone_p``) and the file or environment it came from."""


class SinkError(AirpictureError):
    """An output that cannot take what is written to it."""


class ScaleError(AirpictureError):
    """A region of the partitioned live picture (scale/) whose actor could not be restored."""


class TaskError(AirpictureError):
    """A batch task (a time chunk of `airpicture track --ray`) that failed on every attempt."""


__all__ = [
    "AirpictureError",
    "ConfigError",
    "DecodeError",
    "InputError",
    "RecordError",
    "ScaleError",
    "SinkError",
    "SourceError",
    "TaskError",
]
