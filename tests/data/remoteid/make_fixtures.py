"""Write the Remote ID capture fixtures of this folder (see README.md): python make_fixtures.py [DIR]

Two are real over-the-air bytes wrapped in pcap framing; synthetic.pcapng is made by our encoder
and is deterministic, so a test regenerates it and compares bytes.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from airpicture.sources import pcap
from airpicture.sources import remoteid as rid
from airpicture.sources import remoteid_carriers as car

#: A Parrot Anafi Thermal beacon (802.11 with FCS): one Location, counter 0x5B, 929.1 s after the hour.
PARROT_ANAFI_BEACON = (
    "80000000ffffffffffff903ae65bc8a8903ae65bc8a8303c81e1a60500000000640031040014416e616669546865726d61"
    "6c2d4130303434313801018c03010105040102000007244348200101140201140301140401140501140601140701140801"
    "140901140a01140b01143b125151525354737475767778797a7b7d7e7f802a010030140100000fac040100000fac040100"
    "000fac028c002d1a8d011fffff0000000000000000000000000000000000000000003d1601001500000000000000000000"
    "000000000000000000dd180050f2020101810003a4000027a4000042545e0061322f007f0104dd0700a0c602020300dd1b"
    "9003b7091950493034303434354143304130303434313800000000dd21fa0bbc0d5bf0190110105400009ff3211ce32034"
    "0500000000d00700004b240000cfb82627"
)
#: A Bluetooth 5 long-range AUX_ADV_IND (PDU + CRC): a pack of 5 messages, serial SSEVTFG93700070.
BT5_LONG_RANGE_PDU = (
    "07f409091c2febea7de0750ee916faff0d41f01905001253534556544647393337303030373000000000000000001023b5"
    "ff7e000000000000000062070000cf07005000000100300044726f6e652049442064656d6f000000000000000000004004"
    "0000000000000000010000000000001100000000000000500046494e38376173747264676531326b78797a38"
    + "0" * 208
    + "01a656"
)
T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
PARROT_T = 1_700_002_800.0 + 929.3  # receive time 0.2 s after the beacon's own timestamp


def _location(t: float, lat: float, lon: float, alt: float, speed: float, track: float) -> rid.Location:
    return rid.Location(status=2, direction_deg=track, speed_mps=speed, vspeed_mps=-0.5, lat=lat, lon=lon,
                        alt_baro_m=alt - 40.0, alt_geo_m=alt, height_type=0, height_m=alt - 90.0, h_acc=10,
                        v_acc=4, baro_acc=4, speed_acc=3, timestamp_s=t % 3600.0, ts_acc=2)  # fmt: skip


def synthetic_pcapng() -> bytes:
    """Drone A: BLE 4 legacy adverts (link type 256), one message each, 4 a second, its first
    Location before its Basic ID. Drone B: Wi-Fi beacon and NaN frames (radiotap, 127) carrying
    packs, 1 a second each. 10 s each."""
    a_basic = rid.BasicId(1, 2, "1596A0000TESTBLE4")
    a_sys = rid.System(1, 1, 48.7095, 2.2085, 1, 0, math.nan, math.nan, 1, 2, 95.0, 150_000_000)
    a_op = rid.OperatorId(0, "FRA-OP-0001")
    a_self = rid.SelfId(0, "survey flight")
    b_basic = rid.BasicId(1, 2, "1581F5BKD00WIFI0")
    b_sys = rid.System(0, 0, 48.7200, 2.2300, 1, 0, math.nan, math.nan, 0, 0, math.nan, 150_000_000)
    packets: list[tuple[float, int, bytes]] = []
    rotation: list[rid.Message] = [a_basic, a_sys, a_op, a_self]
    for k in range(40):  # drone A: Location on even slots, the static messages on odd ones
        t = T0 + 0.25 * k
        if k % 2 == 0:
            msg: rid.Message = _location(t, 48.7100, 2.2100 + 1.3e-4 * (t - T0), 120.0, 9.75, 90.0)
        else:
            msg = rotation[(k // 2) % len(rotation)]
        pdu = car.ble_adv_pdu("C0:11:22:33:44:55", k, rid.encode_message(msg))
        packets.append((t, 0, car.ble_phdr(car.ble_ll(pdu))))
    for k in range(10):  # drone B: a circle of radius ~100 m
        t = T0 + k + 0.5
        ang = 0.3 * k
        lat, lon = 48.7200 + 9.0e-4 * math.cos(ang), 2.2300 + 1.36e-3 * math.sin(ang)
        loc = _location(t, lat, lon, 80.0, 30.0, (math.degrees(ang) + 90.0) % 360.0)
        pack = rid.encode_pack([b_basic, loc, b_sys])
        if k % 2:
            frame = car.wifi_nan("60:60:1F:00:00:01", k, pack)
        else:
            frame = car.wifi_beacon("60:60:1F:00:00:01", k, pack, ssid="RID-1581F5BKD00WIFI0")
        packets.append((t, 1, car.radiotap(car.with_fcs(frame), fcs=True)))
    packets.sort(key=lambda p: p[0])
    return pcap.pcapng_bytes(
        [pcap.LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, pcap.LINKTYPE_IEEE802_11_RADIOTAP], packets
    )


def write_all(folder: Path) -> None:
    pcap.write_pcap(folder / "parrot_anafi_beacon.pcap", pcap.LINKTYPE_IEEE802_11,
                    [(PARROT_T, bytes.fromhex(PARROT_ANAFI_BEACON))])  # fmt: skip
    ll = car.ADV_ACCESS_ADDRESS.to_bytes(4, "little") + bytes.fromhex(BT5_LONG_RANGE_PDU)
    pcap.write_pcap(folder / "bt5_long_range.pcap", pcap.LINKTYPE_BLUETOOTH_LE_LL, [(T0, ll)])
    (folder / "synthetic.pcapng").write_bytes(synthetic_pcapng())


if __name__ == "__main__":
    write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
