#!/usr/bin/env python3
"""Write the seed corpus for fuzz_msg (tests/fuzz/corpus/msg/): one whole
BGP message per file, built from the same byte vectors as the unit tests."""
import os
import sys

MARKER = b"\xff" * 16


def msg(mtype, body_hex):
    body = bytes.fromhex(body_hex.replace(" ", ""))
    return MARKER + (19 + len(body)).to_bytes(2, "big") + bytes([mtype]) + body


def update(wd, attrs, nlri=""):
    w = bytes.fromhex(wd.replace(" ", ""))
    a = bytes.fromhex(attrs.replace(" ", ""))
    return msg(2, (len(w).to_bytes(2, "big") + w + len(a).to_bytes(2, "big") + a).hex() + nlri)


ORIGIN = "40 01 01 00"
ASPATH4 = "40 02 0a 02 02 0000fde9 0000fdea"
ASPATH2 = "40 02 06 02 02 fde9 fdea"
NH = "40 03 04 0a000001"
NLRI2 = "100a01 180a0201"
NH6 = "20010db8000000000000000000000001"
LL6 = "fe800000000000000000000000000001"

SEEDS = {
    "keepalive": msg(4, ""),
    "open_frr": msg(1, "04 fdea 00b4 0a000002 40 020601040001000102060104000200010202800002020200"
                       "0202460002064104 0000fdea 020645040001010102084906046c65616600"
                       "0204400240780202 4700"),
    "open_bird_as4": msg(1, "04 5ba0 005a c0000201 10 020e 0104000100010200 4104fa56ea00"),
    "open_ext_params": msg(1, "04 fde9 0000 0a000001 ff ff 000b 02 0008 01040002000102 00"),
    "open_gr": msg(1, "04 5ba0 001e 0a000002 12 02064104fa56ea00 0208400680780001 0180"),
    "update_v4": update("", ORIGIN + ASPATH4 + NH + "c0 08 04 fde90064", NLRI2),
    "update_v4_all": update("", ORIGIN + ASPATH4 + NH + "80 04 04 00000032 40 05 04 000000c8"
                            "40 06 00 c0 07 08 0000fde9 0a000001 c0 08 04 fde90064"
                            "c0 20 0c 0000fde9 00000001 00000002 c0 63 02 abcd", "100a01"),
    "update_as2_as4path": update("", ORIGIN + "40 02 06 02 02 fde9 5ba0" + NH +
                                 "c0 07 06 5ba0 0a000009 c0 11 0a 02 02 0000fde9 fa56ea00"
                                 "c0 12 08 fa56ea00 0a000009", "100a01"),
    "update_v6": update("", ORIGIN + "40 02 06 02 01 0000fde9 80 0e 2c 0002 01 20" + NH6 + LL6 +
                        "00 30 20010db80001"),
    "update_v6_ext": update("", "90 0e 00 1c 0002 01 10" + NH6 + "00 30 20010db80001" +
                            ORIGIN + ASPATH4),
    "withdraw_v4": update("100a01 180a0201", ""),
    "withdraw_v6": update("", "80 0f 0a 0002 01 30 20010db80001"),
    "eor_v4": update("", ""),
    "eor_v6": update("", "80 0f 03 0002 01"),
    "update_bad_origin": update("", "40 01 01 03" + ASPATH4 + NH, NLRI2),
    "update_dup_mp": update("", ORIGIN + ASPATH4 + "80 0f 03 0002 01 80 0f 03 0002 01"),
    "update_confed": update("", ORIGIN + "40 02 0c 03 01 0000ff45 02 01 0000fde9" + NH, NLRI2),
    "notification": msg(3, "06 02 627965"),
    "route_refresh": msg(5, "0002 00 01"),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "msg")
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds to {out}")


if __name__ == "__main__":
    main()
