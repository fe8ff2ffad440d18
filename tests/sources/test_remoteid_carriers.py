"""Remote ID carriers (BLE 4/5, Wi-Fi beacon, Wi-Fi NaN, JSON lines), the registry that turns
frames into REPORT_DTYPE rows, and the capture fixtures (two real over-the-air frames)."""

from __future__ import annotations

import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.errors import DecodeError, InputError, RecordError
from airpicture.sources import pcap
from airpicture.sources import remoteid as rid
from airpicture.sources import remoteid_carriers as car
from airpicture.types import NO_IDENT, REPORT_DTYPE, remoteid_ident

DATA = Path(__file__).parents[1] / "data" / "remoteid"
sys.path.insert(0, str(DATA))
import make_fixtures as fx  # noqa: E402

T0 = fx.T0
BASIC = rid.BasicId(1, 2, "1596A0000TESTBLE4")


def location(t: float = T0, **kw: float) -> rid.Location:
    base = dict(
        status=2,
        direction_deg=90.0,
        speed_mps=10.0,
        vspeed_mps=1.0,
        lat=48.71,
        lon=2.21,
        alt_baro_m=110.0,
        alt_geo_m=120.0,
        height_type=0,
        height_m=30.0,
        timestamp_s=t % 3600.0,
    )
    base.update(kw)
    return rid.Location(**base)  # type: ignore[arg-type]


# ----------------------------------------------------------------------- real captures


def test_real_parrot_anafi_beacon_with_fcs() -> None:
    raw = bytes.fromhex(fx.PARROT_ANAFI_BEACON)
    assert len(car.strip_fcs(raw)) == len(raw) - 4  # its FCS checks
    f = car.decode_wifi(raw, fx.PARROT_T)
    assert (f.transport, f.address, f.counter) == ("wifi_beacon", "90:3A:E6:5B:C8:A8", 0x5B)
    (m,) = f.messages
    assert isinstance(m, rid.Location)
    assert (m.status, m.direction_deg, m.speed_mps, m.vspeed_mps, m.height_m) == (1, 84.0, 0.0, 0.0, 0.0)
    assert (m.lat, m.lon) == pytest.approx((47.1987103, 8.7302371), abs=1e-12)
    assert math.isnan(m.alt_baro_m) and math.isnan(m.alt_geo_m)  # both sent as -1000 m (unknown)
    assert m.timestamp_s == pytest.approx(929.1)
    broken = bytearray(raw)
    broken[-10] ^= 0x01  # damage the Location: the FCS no longer checks, the message decodes wrong
    g = car.decode_wifi(bytes(broken))
    assert g.messages != f.messages


def test_real_bluetooth5_long_range_advert_and_its_crc() -> None:
    raw = bytes.fromhex(fx.BT5_LONG_RANGE_PDU)
    pdu, crc = raw[:-3], raw[-3:]
    assert car.ble_crc(pdu) == crc  # our CRC-24 matches the sniffed one
    assert car.ble_crc(b"") == bytes.fromhex("aaaaaa")
    f = car.decode_ble_ll(car.ble_ll(pdu), 1.0)
    assert (f.transport, f.address, f.counter) == ("ble5", "E0:7D:EA:EB:2F:1C", 0x41)
    kinds = [type(m).__name__ for m in f.messages]
    assert kinds == ["BasicId", "Location", "SelfId", "System", "OperatorId"]
    basic, loc, self_id, system, op = f.messages
    assert basic == rid.BasicId(1, 2, "SSEVTFG93700070", 0)
    assert isinstance(loc, rid.Location)
    assert math.isnan(loc.direction_deg) and math.isnan(loc.speed_mps) and math.isnan(loc.vspeed_mps)
    assert math.isnan(loc.lat) and loc.alt_baro_m == -55.0 and loc.height_m == -0.5
    assert self_id == rid.SelfId(0, "Drone ID demo", 0)
    assert isinstance(system, rid.System) and (system.category_eu, system.class_eu) == (1, 1)
    assert op == rid.OperatorId(0, "FIN87astrdge12kxyz8", 0)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=260))
def test_table_crc_equals_the_bitwise_lfsr(pdu: bytes) -> None:
    state = 0xAAAAAA  # 0x555555 bit-reversed
    for byte in pdu:
        for i in range(8):
            if (state ^ byte >> i) & 1:
                state = (state >> 1 | 1 << 23) ^ 0x5A6000
            else:
                state >>= 1
    assert car.ble_crc(pdu) == state.to_bytes(3, "little")


def test_fixtures_are_what_make_fixtures_writes(tmp_path: Path) -> None:
    fx.write_all(tmp_path)
    for name in ("parrot_anafi_beacon.pcap", "bt5_long_range.pcap", "synthetic.pcapng"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_read_real_captures_to_reports() -> None:
    rows, reg = car.read_remoteid(DATA / "parrot_anafi_beacon.pcap", sensor=3)
    assert rows.dtype == REPORT_DTYPE and len(rows) == 1
    r = rows[0]
    assert r["time_s"] == pytest.approx(fx.PARROT_T - 0.2)  # the beacon's own timestamp, 929.1 s
    assert (r["sensor"], r["lat"], r["lon"]) == (3, pytest.approx(47.1987103), pytest.approx(8.7302371))
    assert np.isnan(r["altitude_m"]) and r["track_rad"] == pytest.approx(math.radians(84.0))
    assert r["ident"] == remoteid_ident("wifi_beacon:90:3A:E6:5B:C8:A8")  # no Basic ID: session id
    rows, reg = car.read_remoteid(DATA / "bt5_long_range.pcap")
    assert len(rows) == 0 and reg.rejects.counts == {"rid_no_position": 1}
    (d,) = reg.drones().values()
    assert d["serial"] == "SSEVTFG93700070" and d["operator_id"] == "FIN87astrdge12kxyz8"
    assert d["self_id"] == "Drone ID demo" and d["ua_type"] == "helicopter_or_multirotor"


def test_synthetic_capture_ble4_and_wifi_drones() -> None:
    src = car.RemoteIdFileSource(DATA / "synthetic.pcapng", sensor=1, batch_s=2.0)
    batches = list(src.batches())
    assert len(batches) > 2
    rows = np.concatenate(batches)
    assert len(rows) == 30 and src.rejects.total == 0 and src.stats.status == "done"
    a, b = remoteid_ident("1596A0000TESTBLE4"), remoteid_ident("1581F5BKD00WIFI0")
    assert set(rows["ident"]) == {a, b}  # the first BLE Location, sent before its Basic ID, waited
    ra, rb = rows[rows["ident"] == a], rows[rows["ident"] == b]
    assert len(ra) == 20 and len(rb) == 10
    assert np.all(np.diff(ra["time_s"]) > 0) and ra["time_s"][0] == pytest.approx(T0, abs=0.06)
    assert np.allclose(ra["altitude_m"], 120.0) and np.allclose(ra["speed_mps"], 9.75)
    assert np.allclose(ra["track_rad"], math.pi / 2) and np.allclose(ra["vrate_mps"], -0.5)
    assert np.allclose(ra["lon"], 2.21 + 1.3e-4 * (ra["time_s"] - T0), atol=2e-7)
    drones = src.registry.drones()
    assert drones[a]["operator_lat"] == pytest.approx(48.7095) and drones[a]["operator_alt_m"] == 95.0
    assert drones[a]["operator_id"] == "FRA-OP-0001" and drones[a]["self_id"] == "survey flight"
    assert drones[a]["transport"] == "ble4" and drones[a]["last_seen_s"] == pytest.approx(T0 + 9.75)
    assert drones[b]["transport"] in ("wifi_beacon", "wifi_nan") and math.isnan(drones[b]["operator_alt_m"])
    assert src.registry.names() == {a: "1596A0000TESTBLE4", b: "1581F5BKD00WIFI0"}


# ------------------------------------------------------------------------------- builders


def test_ble_legacy_advert_round_trip_through_phdr() -> None:
    msg = rid.encode_message(location())
    pdu = car.ble_adv_pdu("C0:11:22:33:44:55", 7, msg)
    assert pdu[:2] == bytes([0x42, 37]) and pdu[2:8] == bytes.fromhex("554433221 1c0".replace(" ", ""))
    assert pdu[8:14] == bytes([30, 0x16, 0xFA, 0xFF, 0x0D, 7])
    buf = car.ble_phdr(car.ble_ll(pdu), channel=38)
    assert buf[0] == 12 and len(buf) == 10 + 4 + len(pdu) + 3
    f = car.decode_packet(pcap.LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, buf, 5.0)
    assert (f.time_s, f.transport, f.address, f.counter) == (5.0, "ble4", "C0:11:22:33:44:55", 7)
    assert rid.encode_message(f.messages[0]) == msg


def test_ble_extended_advert_carries_a_pack() -> None:
    pack = rid.encode_pack([BASIC, location()])
    f = car.decode_ble_ll(car.ble_ll(car.ble_adv_pdu("C0:11:22:33:44:55", 1, pack, extended=True)))
    assert f.transport == "ble5" and f.address == "C0:11:22:33:44:55" and len(f.messages) == 2
    nine = rid.encode_pack([BASIC] * 2 + [rid.Auth(1, p, b"") for p in range(7)])  # 228 bytes: fits
    assert len(car.decode_ble_pdu(car.ble_adv_pdu("C0:11:22:33:44:55", 1, nine, extended=True)).messages) == 9
    with pytest.raises(RecordError):
        car.ble_adv_pdu("C0:11:22:33:44:55", 1, nine + bytes(14), extended=True)


def test_wifi_beacon_and_nan_round_trip_with_radiotap_and_fcs() -> None:
    pack = rid.encode_pack([BASIC, location()])
    beacon = car.wifi_beacon("60:60:1F:00:00:01", 3, pack, ssid="RID-X")
    nan = car.wifi_nan("60:60:1F:00:00:01", 4, pack)
    assert nan[4:10] == car.NAN_DEST and nan[16:22] == car.NAN_CLUSTER_ID
    assert nan[24:30] == bytes.fromhex("0409506f9a13") and nan[30] == 0x03
    assert nan[33:39] == car.NAN_SERVICE_ID and nan[39:42] == bytes([1, 0, 0x10])
    for frame, kind, counter in ((beacon, "wifi_beacon", 3), (nan, "wifi_nan", 4)):
        for buf, lt in (
            (frame, 105),
            (car.with_fcs(frame), 105),
            (car.radiotap(car.with_fcs(frame), True), 127),
        ):
            f = car.decode_packet(lt, buf)
            assert (f.transport, f.address, f.counter) == (kind, "60:60:1F:00:00:01", counter)
            assert [rid.encode_message(m) for m in f.messages] == [
                rid.encode_message(BASIC),
                rid.encode_message(location()),
            ]


@pytest.mark.parametrize(
    ("linktype", "buf", "reason"),
    [
        (105, bytes(30), "not_remoteid"),  # an association request
        (105, bytes([0x80]) + bytes(40), "not_remoteid"),  # a beacon without the element
        (105, bytes([0x08]) + bytes(30), "not_remoteid"),  # a data frame
        (105, bytes(10), "wifi_truncated"),
        (127, bytes([0, 0, 200, 0]) + bytes(10), "radiotap_truncated"),
        (251, bytes(4) + bytes(10), "not_remoteid"),  # a data-channel access address
        (251, car.ble_ll(bytes([0x42, 40]) + bytes(20)), "ble_truncated"),
        (251, car.ble_ll(bytes([0x42, 10]) + bytes(6) + bytes([3, 0x16, 0x6F, 0xFD])), "not_remoteid"),
        (
            251,
            car.ble_ll(bytes([0x42, 12]) + bytes(6) + bytes([5, 0x16, 0xFA, 0xFF, 0x0C, 1])),
            "not_remoteid",
        ),
        (251, car.ble_ll(bytes([0x42, 10]) + bytes(6) + bytes([9, 0x16, 0xFA, 0xFF])), "ble_ad_truncated"),
        (251, car.ble_ll(bytes([0x43, 0])), "not_remoteid"),  # CONNECT_IND
        (256, bytes(5), "ble_truncated"),
        (1, bytes(10), "linktype"),
    ],
)
def test_other_traffic_and_broken_frames_raise_decode_error(linktype: int, buf: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as e:
        car.decode_packet(linktype, buf)
    assert e.value.reason == reason


def test_damaged_frames_are_dropped_by_crc_and_fcs() -> None:
    raw = bytearray(bytes.fromhex(fx.BT5_LONG_RANGE_PDU))
    raw[40] ^= 0x04
    ll = car.ADV_ACCESS_ADDRESS.to_bytes(4, "little") + bytes(raw)
    with pytest.raises(DecodeError) as e:
        car.decode_packet(251, ll)
    assert e.value.reason == "ble_bad_crc"
    good = car.ble_ll(car.ble_adv_pdu("C0:11:22:33:44:55", 1, rid.encode_message(BASIC)))
    phdr = bytearray(car.ble_phdr(good))
    phdr[8] |= 0x0C  # CRC checked and valid
    assert car.decode_packet(256, bytes(phdr)).messages == (rid.BasicId(1, 2, BASIC.uas_id),)
    phdr[8] &= ~0x08  # checked, not valid
    with pytest.raises(DecodeError) as e:
        car.decode_packet(256, bytes(phdr))
    assert e.value.reason == "ble_bad_crc"
    beacon = car.with_fcs(car.wifi_beacon("60:60:1F:00:00:01", 3, rid.encode_pack([BASIC])))
    tsft = struct.pack("<BBHI", 0, 0, 17, 0x03) + bytes(8)  # TSFT then Flags
    assert car.decode_packet(127, tsft + b"\x10" + beacon).transport == "wifi_beacon"
    for flags, frame_ in ((0x50, beacon), (0x10, beacon[:-1] + bytes([beacon[-1] ^ 1]))):
        with pytest.raises(DecodeError) as e:
            car.decode_packet(127, tsft + bytes([flags]) + frame_)
        assert e.value.reason == "wifi_bad_fcs"


def test_nan_frame_for_another_service_is_not_remote_id() -> None:
    nan = bytearray(car.wifi_nan("60:60:1F:00:00:01", 4, rid.encode_pack([BASIC])))
    nan[33] ^= 0xFF
    with pytest.raises(DecodeError) as e:
        car.decode_wifi(bytes(nan))
    assert e.value.reason == "not_remoteid"


# ------------------------------------------------------------------------------ JSON lines


def test_json_lines() -> None:
    line = json.dumps(
        {"time_s": T0, "hex": rid.encode_message(location()).hex(), "address": "aa:bb:cc:dd:ee:ff"}
    )
    f = car.decode_json_line(line)
    assert (f.time_s, f.transport, f.address) == (T0, "jsonl", "AA:BB:CC:DD:EE:FF")
    iso = json.dumps(
        {"timestamp": "2023-11-14T22:13:20Z", "hex": rid.encode_pack([BASIC]).hex(), "transport": "ble5"}
    )
    g = car.decode_json_line(iso)
    assert g.time_s == T0 and g.transport == "ble5" and g.messages == (rid.BasicId(1, 2, BASIC.uas_id),)
    for bad, reason in [
        ("{", "jsonl_syntax"),
        ("[1]", "jsonl_syntax"),
        ('{"hex": "00"}', "jsonl_time"),
        (json.dumps({"time_s": 1, "hex": "zz"}), "jsonl_hex"),
        (json.dumps({"time_s": 1, "hex": 5}), "jsonl_hex"),
        (json.dumps({"time_s": 1, "hex": "12"}), "rid_truncated"),
        (json.dumps({"time_s": "yesterday", "hex": "12"}), "jsonl_time"),
    ]:
        with pytest.raises(InputError) as e:
            car.decode_json_line(bad)
        assert e.value.reason == reason


def test_reader_counts_bad_lines_and_goes_on(tmp_path: Path) -> None:
    good = [
        json.dumps({"time_s": T0 + i, "hex": rid.encode_pack([BASIC, location(T0 + i)]).hex()})
        for i in range(3)
    ]
    path = tmp_path / "rid.jsonl"
    path.write_text(
        "\n".join([good[0], "not json", good[1], "", '{"time_s": 1, "hex": "ff"}', good[2]]) + "\n"
    )
    rows, reg = car.read_remoteid(path)
    assert len(rows) == 3 and set(rows["ident"]) == {remoteid_ident(BASIC.uas_id)}
    assert reg.rejects.counts == {"jsonl_syntax": 1, "rid_truncated": 1}


def test_reader_on_a_truncated_capture(tmp_path: Path) -> None:
    data = (DATA / "synthetic.pcapng").read_bytes()
    reader = car.RemoteIdReader()
    n = reader.feed_bytes(data[: len(data) // 2])
    assert 0 < n < 50 and reader.rejects.counts["pcap_truncated"] == 1
    assert car.RemoteIdReader().feed_bytes(b"\xd4\xc3\xb2\xa1" + bytes(5)) == 0


# -------------------------------------------------------------------------------- registry


def frame(
    t: float, *msgs: rid.Message, address: str = "C0:11:22:33:44:55", transport: str = "ble4"
) -> rid.Frame:
    return rid.Frame(t, transport, address, 0, msgs)


def test_location_waits_for_the_basic_id_of_its_transmitter() -> None:
    reg = rid.RemoteIdRegistry(sensor=2, hold_s=2.0)
    reg.ingest(frame(T0, location(T0)))
    assert len(reg.reports(T0 + 0.5)) == 0  # held
    reg.ingest(frame(T0 + 0.3, BASIC))
    rows = reg.reports(T0 + 0.5)
    assert len(rows) == 1 and rows[0]["ident"] == remoteid_ident(BASIC.uas_id) and rows[0]["sensor"] == 2
    reg.ingest(frame(T0 + 1, location(T0 + 1)))  # the transmitter is known now: no wait
    assert len(reg.reports(T0 + 1)) == 1


def test_location_without_basic_id_gets_a_session_identity_after_hold() -> None:
    reg = rid.RemoteIdRegistry(hold_s=2.0)
    reg.ingest(frame(T0, location(T0), address="11:22:33:44:55:66"))
    assert len(reg.reports(T0 + 1.9)) == 0
    rows = reg.reports(T0 + 2.1)
    ident = remoteid_ident("ble4:11:22:33:44:55:66")
    assert list(rows["ident"]) == [ident] and reg.drones()[ident]["id_type"] == "address"
    reg.ingest(rid.Frame(T0, "jsonl", "", -1, (location(T0),)))  # no address, no Basic ID
    assert list(reg.reports()["ident"]) == [NO_IDENT]


def test_pack_identity_serial_preferred_and_other_transmitters_kept_apart() -> None:
    reg = rid.RemoteIdRegistry()
    caa = rid.BasicId(2, 2, "FRA-REG-77")
    reg.ingest(frame(T0, caa, BASIC, location(T0), address="AA:AA:AA:AA:AA:AA"))
    reg.ingest(frame(T0, location(T0, lat=50.0), address="BB:BB:BB:BB:BB:BB"))
    reg.ingest(frame(T0 + 1, caa, address="AA:AA:AA:AA:AA:AA"))  # the lesser id does not take over
    reg.ingest(frame(T0 + 1, location(T0 + 1), address="AA:AA:AA:AA:AA:AA"))
    rows = reg.reports()
    serial = remoteid_ident(BASIC.uas_id)
    assert list(rows["ident"][rows["lat"] < 49]) == [serial, serial]
    assert list(rows["ident"][rows["lat"] > 49]) == [remoteid_ident("ble4:BB:BB:BB:BB:BB:BB")]
    assert reg.drones()[serial]["caa_registration_id"] == "FRA-REG-77"
    assert remoteid_ident("FRA-REG-77") not in reg.drones()


def test_report_fields_altitude_fallback_time_and_rejects() -> None:
    reg = rid.RemoteIdRegistry()
    reg.ingest(
        frame(
            T0,
            BASIC,
            location(
                T0, alt_geo_m=math.nan, alt_baro_m=88.0, direction_deg=270.0, vspeed_mps=-3.5, speed_mps=70.5
            ),
        )
    )
    reg.ingest(frame(T0 + 1, location(T0, lat=math.nan, lon=math.nan)))
    reg.ingest(frame(T0 + 2, location(T0, timestamp_s=math.nan, alt_geo_m=math.nan, alt_baro_m=math.nan)))
    rows = reg.reports()
    assert len(rows) == 2 and reg.rejects.counts == {"rid_no_position": 1}
    r = rows[0]
    assert (r["altitude_m"], r["speed_mps"], r["vrate_mps"]) == (88.0, 70.5, -3.5)
    assert r["track_rad"] == pytest.approx(math.radians(270.0))
    assert rows[1]["time_s"] == T0 + 2 and np.isnan(rows[1]["altitude_m"])  # invalid timestamp: rx time


@pytest.mark.parametrize(
    ("rx", "after_hour", "want"),
    [
        (7200.4, 0.2, 7200.2),
        (7199.9, 0.1, 7200.1),
        (10799.8, 3599.7, 10799.7),
        (3600.0, 3599.9, 3599.9),
        (7200.0, 50.0, 7200.0),
        (7200.0, math.nan, 7200.0),
    ],
)
def test_report_time_places_tenths_in_the_nearest_hour(rx: float, after_hour: float, want: float) -> None:
    assert rid.report_time(rx, after_hour) == pytest.approx(want)


def test_pending_rows_are_bounded() -> None:
    reg = rid.RemoteIdRegistry(max_pending=5)
    for i in range(8):
        reg.ingest(frame(T0 + i * 0.01, location(T0), address=f"00:00:00:00:00:{i:02X}"))
    assert reg.rejects.counts == {"rid_pending_overflow": 3} and len(reg.reports()) == 5


def test_transmitters_and_drones_not_heard_are_forgotten() -> None:
    reg = rid.RemoteIdRegistry(forget_s=60.0)
    reg.ingest(frame(T0, BASIC, location(T0)))
    reg.ingest(frame(T0 + 50, location(T0 + 50), address="11:11:11:11:11:11"))
    reg.reports(T0 + 30)
    assert len(reg.drones()) == 1 and len(reg._tx) == 2
    rows = reg.reports(T0 + 100)  # the first drone is 100 s old, the second transmitter 50 s
    assert len(rows) == 1 and set(reg._tx) == {"11:11:11:11:11:11"}
    assert list(reg.drones()) == [remoteid_ident("ble4:11:11:11:11:11:11")]
    reg.reports()  # end of input forgets nothing
    assert len(reg.drones()) == 1


# ------------------------------------------------------------------------------------ fuzz


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([105, 127, 251, 256]), st.binary(max_size=120), st.integers(0, 400), st.binary(max_size=8)
)
def test_fuzz_carriers_raise_only_decode_error(linktype: int, noise: bytes, cut: int, patch: bytes) -> None:
    base = {
        105: car.wifi_beacon("60:60:1F:00:00:01", 1, rid.encode_pack([BASIC, location()])),
        127: car.radiotap(car.wifi_nan("60:60:1F:00:00:01", 1, rid.encode_pack([BASIC]))),
        251: car.ble_ll(car.ble_adv_pdu("C0:11:22:33:44:55", 1, rid.encode_pack([BASIC]), extended=True)),
        256: car.ble_phdr(car.ble_ll(car.ble_adv_pdu("C0:11:22:33:44:55", 1, rid.encode_message(BASIC)))),
    }
    buf = bytearray(base[linktype][:cut] + noise)
    buf[cut % max(len(buf), 1) : cut % max(len(buf), 1) + len(patch)] = patch
    for data in (bytes(buf), noise):
        try:
            f = car.decode_packet(linktype, data)
        except DecodeError:
            continue
        assert all(
            isinstance(m, rid.BasicId | rid.Location | rid.Auth | rid.SelfId | rid.System | rid.OperatorId)
            for m in f.messages
        )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([T0, T0 + 1.5, T0 + 10, math.nan, math.inf, -5.0, 0.0]),
            st.sampled_from(["", "AA:AA:AA:AA:AA:AA", "BB:BB:BB:BB:BB:BB"]),
            st.lists(
                st.integers(0, 5).flatmap(
                    lambda k: st.binary(min_size=24, max_size=24).map(lambda b, k=k: bytes([k << 4 | 2]) + b)
                ),
                min_size=1,
                max_size=4,
            ),
        ),
        max_size=12,
    ),
    st.sampled_from([T0, T0 + 5, math.inf]),
)
def test_fuzz_registry_never_raises_and_rows_are_finite_in_time(
    frames: list[tuple[float, str, list[bytes]]], now: float
) -> None:
    reg = rid.RemoteIdRegistry(max_pending=3)
    for t, address, raws in frames:
        msgs = []
        for r in raws:
            try:
                msgs.append(rid.decode_message(r))
            except DecodeError:  # an authentication page 0 whose last page / length do not fit
                assert r[0] >> 4 == rid.AUTH
        reg.ingest(rid.Frame(t, "ble4", address, 0, tuple(msgs)))  # type: ignore[arg-type]
    rows = np.concatenate([reg.reports(now), reg.reports()])
    assert rows.dtype == REPORT_DTYPE and np.all(np.isfinite(rows["time_s"]))
    assert np.all(np.abs(rows["lat"]) <= 90) and np.all(np.abs(rows["lon"]) <= 180)
    assert reg._n_pending == 0
    reg.drones()
    reg.names()


def test_public_names_are_exported() -> None:
    for mod in (car, pcap):
        for name in mod.__all__:
            assert hasattr(mod, name)
