"""Remote ID message codec: hand-computed vectors for every field, edges, invalid markers,
round trips (hypothesis) and a short fuzz."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.errors import DecodeError, RecordError
from airpicture.sources import remoteid as rid

nan = math.nan


def loc_bytes(
    *,
    flags: int = 0x20,
    direction: int = 0,
    speed: int = 0,
    vspeed: int = 0,
    lat: int = 487_100_000,
    lon: int = 22_100_000,
    baro: int = 2240,
    geo: int = 2250,
    height: int = 2100,
    acc1: int = 0,
    acc2: int = 0,
    ts: int = 0,
    acc3: int = 0,
) -> bytes:
    """A Location message assembled field by field (independently of the encoder)."""
    return struct.pack(
        "<BBBBbiiHHHBBHBB",
        0x12,
        flags,
        direction,
        speed,
        vspeed,
        lat,
        lon,
        baro,
        geo,
        height,
        acc1,
        acc2,
        ts,
        acc3,
        0,
    )


def loc(**kw: int) -> rid.Location:
    m = rid.decode_message(loc_bytes(**kw))
    assert isinstance(m, rid.Location)
    return m


# ------------------------------------------------------------------ Location, field by field


def test_location_header_and_plain_fields() -> None:
    m = loc(flags=0x24, direction=90, speed=40, vspeed=6, ts=12345, acc1=0x4A, acc2=0x53, acc3=0x02)
    assert m.version == 2 and m.status == 2 and m.height_type == 1
    assert m.direction_deg == 90.0 and m.speed_mps == 10.0 and m.vspeed_mps == 3.0
    assert m.lat == pytest.approx(48.71, abs=1e-12) and m.lon == pytest.approx(2.21, abs=1e-12)
    assert (m.alt_baro_m, m.alt_geo_m, m.height_m) == (120.0, 125.0, 50.0)
    assert m.timestamp_s == pytest.approx(1234.5)
    assert (m.h_acc, m.v_acc, m.baro_acc, m.speed_acc, m.ts_acc) == (10, 4, 5, 3, 2)
    assert (m.h_accuracy_m, m.v_accuracy_m, m.baro_accuracy_m, m.speed_accuracy_mps) == (10.0, 10.0, 3.0, 1.0)
    assert m.ts_accuracy_s == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("enc", "mult", "mps"),
    [
        (0, 0, 0.0),
        (1, 0, 0.25),
        (254, 0, 63.5),
        (255, 0, 63.75),
        (0, 1, 63.75),
        (1, 1, 64.5),
        (254, 1, 254.25),
        (255, 1, nan),
    ],
)
def test_horizontal_speed_scale_multiplier_and_invalid(enc: int, mult: int, mps: float) -> None:
    got = loc(flags=0x20 | mult, speed=enc).speed_mps
    assert got == mps or (math.isnan(mps) and math.isnan(got))


@pytest.mark.parametrize(
    ("enc", "ew", "deg"),
    [
        (0, 0, 0.0),
        (90, 0, 90.0),
        (179, 0, 179.0),
        (0, 1, 180.0),
        (179, 1, 359.0),
        (180, 1, 360.0),
        (181, 1, nan),
        (255, 1, nan),
        (200, 0, 200.0),
    ],
)
def test_direction_with_east_west_bit(enc: int, ew: int, deg: float) -> None:
    got = loc(flags=0x20 | ew << 1, direction=enc).direction_deg
    assert got == deg or (math.isnan(deg) and math.isnan(got))


@pytest.mark.parametrize(
    ("enc", "mps"),
    [(0, 0.0), (1, 0.5), (-1, -0.5), (-20, -10.0), (124, 62.0), (-124, -62.0), (-128, -64.0), (126, nan)],
)
def test_vertical_speed_is_signed_half_metres(enc: int, mps: float) -> None:
    got = loc(vspeed=enc).vspeed_mps
    assert got == mps or (math.isnan(mps) and math.isnan(got))


@pytest.mark.parametrize(("enc", "m"), [(0, nan), (1, -999.5), (2000, 0.0), (2001, 0.5), (65535, 31767.5)])
def test_altitudes_half_metres_from_minus_1000_and_invalid(enc: int, m: float) -> None:
    got = loc(baro=enc, geo=enc, height=enc)
    for v in (got.alt_baro_m, got.alt_geo_m, got.height_m):
        assert v == m or (math.isnan(m) and math.isnan(v))


@pytest.mark.parametrize(
    ("lat", "lon", "want"),
    [
        (900_000_000, 1_800_000_000, (90.0, 180.0)),
        (-900_000_000, -1_800_000_000, (-90.0, -180.0)),
        (1, -1, (1e-7, -1e-7)),
        (0, 0, (nan, nan)),
        (0, 10, (0.0, 1e-6)),
        (900_000_001, 0, (nan, nan)),
        (0, -1_800_000_001, (nan, nan)),
    ],
)
def test_latitude_longitude_extremes_and_invalid(lat: int, lon: int, want: tuple[float, float]) -> None:
    got = loc(lat=lat, lon=lon)
    for g, w in zip((got.lat, got.lon), want, strict=True):
        assert g == pytest.approx(w, abs=1e-15) or (math.isnan(w) and math.isnan(g))


@pytest.mark.parametrize(("enc", "s"), [(0, 0.0), (1, 0.1), (36000, 3600.0), (36001, nan), (0xFFFF, nan)])
def test_timestamp_tenths_after_the_hour(enc: int, s: float) -> None:
    got = loc(ts=enc).timestamp_s
    assert got == pytest.approx(s) or (math.isnan(s) and math.isnan(got))


def test_unknown_accuracy_codes_are_nan() -> None:
    m = loc(acc1=0xFD, acc2=0xF9)
    assert math.isnan(m.h_accuracy_m) and math.isnan(m.v_accuracy_m) and math.isnan(m.speed_accuracy_mps)
    assert math.isnan(loc().ts_accuracy_s)


# -------------------------------------------------------------------------- other messages


def test_basic_id_serial_and_session_id() -> None:
    raw = bytes([0x02, 0x12]) + b"1581F5BKD00WIFI0".ljust(20, b"\0") + bytes(3)
    assert rid.decode_message(raw) == rid.BasicId(1, 2, "1581F5BKD00WIFI0", 2)
    session = bytes([0x01, 0x4F, 0xE1, 0xAB, 0xCD]) + bytes(20)
    m = rid.decode_message(session)
    assert isinstance(m, rid.BasicId) and m.uas_id == "e1abcd" and m.ua_type_name == "other"
    assert rid.encode_message(m)[:5] == bytes([0x01, 0x4F, 0xE1, 0xAB, 0xCD])


def test_authentication_pages() -> None:
    page0 = bytes([0x22, 0x30, 2, 40]) + struct.pack("<I", 123456) + bytes(range(17))
    m = rid.decode_message(page0)
    assert m == rid.Auth(3, 0, bytes(range(17)), 2, 40, 123456, 2)
    page2 = bytes([0x22, 0x32]) + bytes(range(23))
    assert rid.decode_message(page2) == rid.Auth(3, 2, bytes(range(23)), version=2)
    assert rid.encode_message(rid.Auth(3, 0, bytes(range(17)), 2, 40, 123456)) == page0
    with pytest.raises(RecordError):
        rid.encode_auth(rid.Auth(3, 0, b"", last_page_index=1, length=41))  # more than 17 + 23 bytes


def test_self_id_and_operator_id() -> None:
    raw = bytes([0x32, 0x01]) + b"motor failure".ljust(23, b"\0")
    assert rid.decode_message(raw) == rid.SelfId(1, "motor failure", 2)
    raw = bytes([0x52, 0x00]) + b"FRA-OP-0001".ljust(20, b"\0") + bytes(3)
    assert rid.decode_message(raw) == rid.OperatorId(0, "FRA-OP-0001", 2)
    full = bytes([0x32, 0x00]) + b"A" * 23  # no NUL: all 23 characters
    m = rid.decode_message(full)
    assert isinstance(m, rid.SelfId) and m.text == "A" * 23


def test_system_message_fields() -> None:
    raw = struct.pack(
        "<BBiiHBHHBHIB", 0x42, 0x05, 487_095_000, 22_085_000, 3, 25, 2400, 2000, 0x12, 2190, 150_000_000, 0
    )
    m = rid.decode_message(raw)
    assert isinstance(m, rid.System)
    assert (m.operator_location_type, m.classification_type) == (1, 1)
    assert (m.operator_lat, m.operator_lon) == pytest.approx((48.7095, 2.2085))
    assert (m.area_count, m.area_radius_m, m.area_ceiling_m, m.area_floor_m) == (3, 250, 200.0, 0.0)
    assert (m.category_eu, m.class_eu, m.operator_alt_m) == (1, 2, 95.0)
    assert m.unix_time_s == rid.EPOCH_2019 + 150_000_000
    assert rid.encode_message(m) == raw
    old = rid.decode_message(bytes([0x40]) + bytes(24))  # protocol 0: no timestamp, all invalid
    assert isinstance(old, rid.System) and math.isnan(old.unix_time_s) and math.isnan(old.operator_lat)


# ------------------------------------------------------------------------------ message pack


def test_pack_decodes_every_message() -> None:
    a = bytes([0x02, 0x12]) + b"SN1".ljust(23, b"\0")
    raw = bytes([0xF2, 25, 2]) + a + loc_bytes() + b"\xde\xad"  # trailing bytes ignored
    m = rid.decode_message(raw)
    assert isinstance(m, rid.MessagePack) and len(m.messages) == 2
    assert isinstance(m.messages[0], rid.BasicId) and isinstance(m.messages[1], rid.Location)
    assert rid.messages_of(m) == m.messages and rid.messages_of(m.messages[0]) == (m.messages[0],)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (bytes([0xF2, 24, 1]) + bytes(25), "rid_pack_size"),
        (bytes([0xF2, 25, 0]), "rid_pack_count"),
        (bytes([0xF2, 25, 10]) + bytes(250), "rid_pack_count"),
        (bytes([0xF2, 25, 2]) + bytes(24), "rid_truncated"),
        (bytes([0xF2, 25, 1, 0xF2]) + bytes(24), "rid_pack_content"),
        (bytes([0xF2, 25, 1, 0x62]) + bytes(24), "rid_pack_content"),
        (bytes([0xF2, 25, 2]) + loc_bytes() * 2, "rid_pack_content"),
        (bytes([0xF2, 25, 3]) + bytes(75), "rid_pack_content"),
        (bytes([0xF2, 25]), "rid_truncated"),
        (b"", "rid_truncated"),
        (loc_bytes()[:24], "rid_truncated"),
        (bytes([0x62]) + bytes(24), "rid_msg_type"),
    ],
)
def test_bad_messages_raise_decode_error_with_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as e:
        rid.decode_message(raw)
    assert e.value.reason == reason


def test_pack_allows_two_basic_ids_and_many_auth_pages() -> None:
    basic = rid.encode_message(rid.BasicId(1, 2, "SN"))
    auth = [rid.encode_message(rid.Auth(1, p, b"x", last_page_index=6)) for p in range(7)]
    m = rid.decode_message(bytes([0xF2, 25, 9]) + basic * 2 + b"".join(auth))
    assert isinstance(m, rid.MessagePack) and len(m.messages) == 9


# -------------------------------------------------------------------------------- encoder


def L(**kw: float) -> rid.Location:
    base = dict(
        status=2,
        direction_deg=0.0,
        speed_mps=0.0,
        vspeed_mps=0.0,
        lat=48.71,
        lon=2.21,
        alt_baro_m=100.0,
        alt_geo_m=100.0,
        height_type=0,
        height_m=10.0,
        timestamp_s=0.0,
    )
    base.update(kw)
    return rid.Location(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("speed", "flags_bit", "byte"),
    [
        (0.0, 0, 0),
        (1.1, 0, 4),
        (1.2, 0, 5),  # 4.8 + 0.5f, cast: the current C encoder rounds (it used to truncate)
        (0.125, 0, 1),  # a tie goes up
        (63.5, 0, 254),
        (63.75, 0, 255),
        (63.76, 1, 0),
        (64.5, 1, 1),
        (254.25, 1, 254),
        (nan, 1, 255),
        (255.0, 1, 255),
    ],
)
def test_encoder_speed_rounds_like_the_c_library(speed: float, flags_bit: int, byte: int) -> None:
    raw = rid.encode_location(L(speed_mps=speed))
    assert (raw[1] & 1, raw[3]) == (flags_bit, byte)


@pytest.mark.parametrize(
    ("deg", "ew", "byte"),
    [
        (0.0, 0, 0),
        (179.0, 0, 179),
        (179.4, 0, 179),
        (179.5, 1, 0),
        (180.0, 1, 0),
        (359.0, 1, 179),
        (359.49, 1, 179),
        (359.5, 0, 0),  # roundf -> 360, which encodeDirection makes 0 (north)
        (360.0, 0, 0),
        (nan, 1, 181),
    ],
)
def test_encoder_direction_rounds_and_sets_the_east_west_bit(deg: float, ew: int, byte: int) -> None:
    raw = rid.encode_location(L(direction_deg=deg))
    assert ((raw[1] >> 1) & 1, raw[2]) == (ew, byte)


@pytest.mark.parametrize(("vs", "byte"), [(-0.9, -1), (0.9, 1), (-62.0, -124), (62.0, 124), (nan, 126)])
def test_encoder_vertical_speed(vs: float, byte: int) -> None:
    assert struct.unpack_from("<b", rid.encode_location(L(vspeed_mps=vs)), 4)[0] == byte


def test_encoder_invalid_markers() -> None:
    raw = rid.encode_location(
        L(lat=nan, lon=nan, alt_baro_m=nan, alt_geo_m=-1000.0, height_m=nan, timestamp_s=nan)
    )
    assert struct.unpack_from("<iiHHHBBH", raw, 5) == (0, 0, 0, 0, 0, 0, 0, 0xFFFF)


@pytest.mark.parametrize(
    "bad",
    [
        dict(speed_mps=254.5),
        dict(speed_mps=-0.1),
        dict(vspeed_mps=62.5),
        dict(direction_deg=360.5),
        dict(lat=90.1),
        dict(lon=-180.1),
        dict(alt_geo_m=-1000.5),
        dict(alt_baro_m=31768.0),
        dict(timestamp_s=3600.1),
        dict(status=16),
        dict(height_type=2),
        dict(h_acc=-1),
    ],
)
def test_encoder_rejects_out_of_range_fields(bad: dict[str, float]) -> None:
    with pytest.raises(RecordError):
        rid.encode_location(L(**bad))


def test_encoder_rejects_long_text_and_bad_packs() -> None:
    with pytest.raises(RecordError):
        rid.encode_basic_id(rid.BasicId(1, 2, "X" * 21))
    with pytest.raises(RecordError):
        rid.encode_pack([])
    with pytest.raises(RecordError):
        rid.encode_system(rid.System(0, 0, nan, nan, 1, 2560, nan, nan, 0, 0, nan))


def test_location_message_bytes_match_a_hand_assembled_message() -> None:
    m = L(
        status=2,
        direction_deg=270.0,
        speed_mps=70.5,
        vspeed_mps=-2.5,
        lat=-33.8688,
        lon=151.2093,
        alt_baro_m=50.0,
        alt_geo_m=55.5,
        height_type=1,
        height_m=30.0,
        h_acc=11,
        v_acc=5,
        baro_acc=4,
        speed_acc=3,
        timestamp_s=1799.9,
        ts_acc=1,
    )
    want = loc_bytes(
        flags=0x27,
        direction=90,
        speed=9,
        vspeed=-5,
        lat=-338_688_000,
        lon=1_512_093_000,
        baro=2100,
        geo=2111,
        height=2060,
        acc1=0x5B,
        acc2=0x43,
        ts=17999,
        acc3=1,
    )
    assert rid.encode_message(m) == want


# ------------------------------------------------------------------------- round trips


def valid_location_bytes() -> st.SearchStrategy[bytes]:
    """Location messages whose every field holds a valid (or the invalid-marker) encoding."""
    direction = st.one_of(st.tuples(st.integers(0, 179), st.integers(0, 1)), st.just((181, 1)))
    # (0, mult 1) is 63.75 m/s again, which the encoder writes as (255, mult 0)
    speed = st.tuples(st.integers(0, 255), st.integers(0, 1)).filter(lambda x: x != (0, 1))
    latlon = st.one_of(
        st.just((0, 0)),
        st.tuples(st.integers(-900_000_000, 900_000_000), st.integers(-1_800_000_000, 1_800_000_000)).filter(
            any
        ),
    )
    vs = st.integers(-124, 124) | st.just(126)
    alt = st.integers(0, 65535)
    ts = st.integers(0, 36000) | st.just(0xFFFF)
    n4 = st.integers(0, 15)

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        (d, ew), (s, mult), (la, lo) = draw(direction), draw(speed), draw(latlon)
        flags = draw(n4) << 4 | draw(st.integers(0, 1)) << 2 | ew << 1 | mult
        return loc_bytes(
            flags=flags,
            direction=d,
            speed=s,
            vspeed=draw(vs),
            lat=la,
            lon=lo,
            baro=draw(alt),
            geo=draw(alt),
            height=draw(alt),
            acc1=draw(n4) << 4 | draw(n4),
            acc2=draw(n4) << 4 | draw(n4),
            ts=draw(ts),
            acc3=draw(n4),
        )

    return build()


@settings(max_examples=400, deadline=None)
@given(valid_location_bytes())
def test_location_bytes_round_trip_exactly(raw: bytes) -> None:
    m = rid.decode_message(raw)
    assert isinstance(m, rid.Location)
    assert rid.encode_message(m) == raw


finite = dict(allow_nan=False, allow_infinity=False)


@settings(max_examples=400, deadline=None)
@given(
    st.floats(0, 359.49, **finite),
    st.floats(0, 254.25, **finite),
    st.floats(-62, 62, **finite),
    st.floats(-90, 90, **finite),
    st.floats(-180, 180, **finite),
    st.floats(-999.5, 31767.5, **finite),
    st.floats(0, 3600, **finite),
)
def test_location_values_round_trip_within_one_step(
    d: float, s: float, vs: float, lat: float, lon: float, alt: float, ts: float
) -> None:
    m = rid.decode_message(
        rid.encode_location(
            L(direction_deg=d, speed_mps=s, vspeed_mps=vs, lat=lat, lon=lon, alt_geo_m=alt, timestamp_s=ts)
        )
    )
    assert isinstance(m, rid.Location)
    assert abs(m.direction_deg - d) <= 0.5
    assert abs(s - m.speed_mps) <= (0.125 if s <= 63.75 else 0.375) + 1e-5  # rounded, in float32
    assert abs(vs - m.vspeed_mps) < 0.5 + 1e-9
    if round(lat * 1e7) or round(lon * 1e7):  # (0, 0) is the invalid marker
        assert abs(m.lat - lat) <= 1e-7 + 1e-12 and abs(m.lon - lon) <= 1e-7 + 1e-12
    # truncated in float32 (C floats): a value a float32 step below a half metre rounds up to it
    assert -4e-3 <= alt - m.alt_geo_m < 0.5 or (alt < -999.5 + 0.5 and math.isnan(m.alt_geo_m))
    # scaled in float32 as the reference does: a value a float32 step below a half tenth rounds up
    assert abs(m.timestamp_s - ts) <= 0.05 + 2.5e-4


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                rid.BasicId(1, 2, "SN0001"),
                rid.SelfId(0, "hello"),
                rid.OperatorId(0, "OP"),
                L(),
                rid.System(0, 1, 1.0, 2.0, 1, 10, 50.0, nan, 1, 1, nan, 5),
            ]
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda m: type(m),
    )
)
def test_pack_round_trip(messages: list[rid.Message]) -> None:
    m = rid.decode_message(rid.encode_pack(messages))
    assert isinstance(m, rid.MessagePack)
    assert [rid.encode_message(x) for x in m.messages] == [rid.encode_message(x) for x in messages]


@settings(max_examples=600, deadline=None)
@given(
    st.binary(max_size=260)
    | st.binary(min_size=3, max_size=260).map(lambda b: bytes([0xF0 | b[0] & 15, 25]) + b)
)
def test_fuzz_decode_message_raises_only_decode_error(raw: bytes) -> None:
    try:
        m = rid.decode_message(raw)
    except DecodeError as e:
        assert e.reason.startswith("rid_")
        return
    assert isinstance(
        m, rid.MessagePack | rid.BasicId | rid.Location | rid.Auth | rid.SelfId | rid.System | rid.OperatorId
    )


def test_public_names_are_exported() -> None:
    for name in rid.__all__:
        assert hasattr(rid, name)
