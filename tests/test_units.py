"""The units a person reads: one table for the alert texts and the console."""

import pytest

from airpicture.config import AssessSettings, ConsoleSettings
from airpicture.units import UNITS, fmt_distance, fmt_height, fmt_length, fmt_speed, table


def test_metric_and_aviation_say_the_same_quantity() -> None:
    assert (fmt_height(1000.0, "metric"), fmt_height(1000.0, "aviation")) == ("1000 m", "3281 ft")
    assert (fmt_speed(51.44, "metric"), fmt_speed(51.44, "aviation")) == ("51 m/s", "100 kt")
    assert (fmt_distance(1852.0, "metric"), fmt_distance(1852.0, "aviation")) == ("1.9 km", "1.0 NM")
    assert fmt_length(-30.48, "aviation") == "-100 ft"


@pytest.mark.parametrize("units", UNITS)
def test_the_console_gets_the_factors_the_texts_use(units) -> None:
    t = table(units)
    assert t["name"] == units
    factor, suffix = t["speed"]
    assert fmt_speed(10.0, units) == f"{10.0 * factor:.0f} {suffix}"


def test_units_and_tiles_are_validated_once() -> None:
    with pytest.raises(ValueError):
        AssessSettings(units="imperial")
    with pytest.raises(ValueError):  # no {z}/{x}/{y}: a map could never load a tile from it
        ConsoleSettings(tile_url="https://tiles.example/tile.png")
    ok = ConsoleSettings(tile_url="http://127.0.0.1:8081/{z}/{x}/{y}.png")
    assert ok.tile_url is not None and ConsoleSettings().tile_url is None
    with pytest.raises(ValueError):  # a site's basemap folder must exist when the settings load
        ConsoleSettings(basemap_dir="/nonexistent/basemap")


def test_every_console_takes_its_display_from_the_settings(tmp_path) -> None:
    from airpicture.config import Settings
    from airpicture.sinks.web import LiveState
    from airpicture.sinks.web.live import display_of

    url = "https://t.example/{z}/{x}/{y}.png"
    s = Settings(
        assess={"units": "aviation"},
        console={
            "tile_url": url,
            "tile_attribution": "T",
            "basemap_dir": tmp_path,
        },
    )
    state = LiveState(**display_of(s))
    assert state.display["units"] == table("aviation")
    assert state.display["tiles"] == {"url": url, "attribution": "T"}
    assert state.basemap_dir == str(tmp_path)
    assert LiveState(**display_of(Settings())).display == {"units": table("metric"), "tiles": None}
