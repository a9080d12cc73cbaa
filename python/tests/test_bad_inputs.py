"""Broken datasets and inputs raise the matching exception with file and record; none crashes
the interpreter (the cases follow tests/bad_inputs.rs: truncated, CRC, bad payload, bad image,
bad metadata, wrong layout, random bytes)."""

from __future__ import annotations

import os
import random
import struct

import pytest

import autodl_format as adf


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def masked_crc(data: bytes) -> int:
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    c ^= 0xFFFFFFFF
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame(payload: bytes) -> bytes:
    header = struct.pack("<Q", len(payload))
    return header + struct.pack("<I", masked_crc(header)) + payload + struct.pack("<I", masked_crc(payload))


def records(path):
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from("<Q", data, pos)
        out.append(data[pos + 12 : pos + 12 + n])
        pos += 16 + n
    return out


def train_file(root):
    return sorted((root / "miniciao.data" / "train").glob("sample*"))[0]


def read_all(root):
    return [x for x, _ in adf.Dataset(root).train]


def test_truncated_record_file(miniciao_copy):
    f = train_file(miniciao_copy)
    data = f.read_bytes()
    f.write_bytes(data[: len(data) - 10])
    with pytest.raises(adf.FramingError) as e:
        read_all(miniciao_copy)
    assert e.value.file == str(f) and e.value.record is not None and e.value.offset is not None
    assert e.value.code == "TFR_TRUNCATED_PAYLOAD"


def test_bad_crc_names_record_and_offset(miniciao_copy):
    f = train_file(miniciao_copy)
    recs = records(f)
    data = bytearray(f.read_bytes())
    second = 16 + len(recs[0])
    data[second + 20] ^= 0x55
    f.write_bytes(bytes(data))
    with pytest.raises(adf.FramingError) as e:
        read_all(miniciao_copy)
    assert (e.value.record, e.value.offset, e.value.code) == (1, second, "TFR_BAD_PAYLOAD_CRC")
    assert "record 1" in str(e.value)


def test_undecodable_image_raises_decode_error_after_good_records(miniciao_copy):
    f = train_file(miniciao_copy)
    recs = records(f)
    bad = bytearray(recs[2])
    for sig in (b"\x89PNG", b"\xff\xd8\xff"):
        at = bad.find(sig)
        if at >= 0:
            bad[at : at + len(sig)] = b"NOPE"[: len(sig)]
            break
    else:
        pytest.fail("no image signature in the record")
    recs[2] = bytes(bad)
    f.write_bytes(b"".join(frame(r) for r in recs))
    seen = []
    with pytest.raises(adf.DecodeError) as e:
        for x, _ in adf.Dataset(miniciao_copy, batch_size=1).train:
            seen.append(x)
    assert len(seen) == 2
    assert (e.value.file, e.value.record, e.value.frame) == (str(f), 2, 0)
    assert not adf.validate(miniciao_copy, deep=True).ok


def test_payload_that_is_not_a_sequence_example(miniciao_copy):
    f = train_file(miniciao_copy)
    f.write_bytes(frame(b"\xff\xff\xff\xff not protobuf"))
    with pytest.raises(adf.ExampleError) as e:
        read_all(miniciao_copy)
    assert (e.value.file, e.value.record, e.value.offset) == (str(f), 0, 0)


def test_broken_metadata(miniciao_copy):
    meta = miniciao_copy / "miniciao.data" / "train" / "metadata.textproto"
    meta.write_text("is_sequence: false\nmatrix_spec {\n  col_count: banana\n}\n")
    with pytest.raises(adf.MetadataError) as e:
        adf.Dataset(miniciao_copy)
    assert e.value.file == str(meta) and e.value.line == 3
    report = adf.validate(miniciao_copy)
    assert not report.ok and any(x.file == str(meta) for x in report.errors)


def test_not_a_dataset(tmp_path):
    (tmp_path / "a.data").mkdir()
    (tmp_path / "b.data").mkdir()
    with pytest.raises(adf.LayoutError):
        adf.Dataset(tmp_path)
    with pytest.raises(adf.DatasetNotFoundError):
        adf.Dataset(tmp_path / "missing")
    with pytest.raises(adf.AutoDLError):
        adf.inspect(tmp_path)


def test_random_bytes_never_crash(miniciao_copy):
    """Random record files: every outcome is a report or an AutoDLError, never a crash."""
    rng = random.Random(7)
    f = train_file(miniciao_copy)
    good = f.read_bytes()
    for case in range(40):
        data = bytearray(good)
        if case % 4 == 0:
            data = bytearray(rng.randbytes(rng.randrange(0, 300)))
        elif case % 4 == 1:
            for _ in range(8):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif case % 4 == 2:
            data = data[: rng.randrange(len(data))]
        else:
            payload = bytearray(records(f)[0])
            for _ in range(4):
                payload[rng.randrange(len(payload))] = rng.randrange(256)
            data = bytearray(frame(bytes(payload)))
        f.write_bytes(bytes(data))
        report = adf.validate(miniciao_copy, deep=True)
        assert isinstance(report.ok, bool)
        try:
            read_all(miniciao_copy)
        except adf.AutoDLError as e:
            assert e.file is not None
    f.write_bytes(good)
    assert adf.validate(miniciao_copy).ok


def test_input_is_left_unchanged(miniciao_copy):
    before = {p: p.read_bytes() for p in miniciao_copy.rglob("*") if p.is_file()}
    adf.validate(miniciao_copy, deep=True)
    adf.Dataset(miniciao_copy).to_numpy("train")
    assert before == {p: p.read_bytes() for p in miniciao_copy.rglob("*") if p.is_file()}
    assert not [p for p in os.listdir(miniciao_copy.parent) if p.startswith(".")]
