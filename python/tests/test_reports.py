"""validate() and inspect(): report objects over the CLI's JSON."""

from __future__ import annotations

import json
import subprocess

import pytest

import autodl_format as adf
from conftest import cli_binary, need_dataset


def test_validate_shared_datasets_are_valid(shared_dataset):
    report = adf.validate(shared_dataset)
    assert report.ok, report.errors
    assert not report.errors
    assert report.name == shared_dataset.name
    records = sum(s["records"] for s in report.stats["subsets"])
    assert records > 0
    d = report.to_dict()
    assert d["valid"] is True and d["errors"] == 0 and isinstance(d["findings"], list)


def test_deep_validate_decodes_frames():
    report = adf.validate(need_dataset("miniciao"), deep=True)
    assert report.ok and report.deep
    assert report.stats["frames_decoded"] == sum(s["records"] for s in report.stats["subsets"])


@pytest.mark.parametrize("deep", [False, True])
def test_to_dict_equals_cli_json(shared_dataset, deep):
    binary = cli_binary()
    if binary is None:
        pytest.skip("autodl-format binary not built (set AUTODL_FORMAT_BIN)")
    args = [binary, "validate", str(shared_dataset), "--json", "--quiet"] + (["--deep"] if deep else [])
    cli = json.loads(subprocess.run(args, capture_output=True, check=False).stdout)
    assert adf.validate(shared_dataset, deep=deep).to_dict() == cli
    cli = json.loads(subprocess.run([binary, "inspect", str(shared_dataset), "--json"], capture_output=True).stdout)
    assert adf.inspect(shared_dataset).to_dict() == cli


def test_inspect_summary():
    i = adf.inspect(need_dataset("miniciao"))
    assert i.name == "miniciao"
    assert i.format == "COMPRESSED"
    assert i.output_dim == 10
    assert i.shape == (1, 32, 32, 3)
    assert i.records("train") + i.records("test") == adf.Dataset(need_dataset("miniciao")).__len__()
    assert "cat" in i.to_dict()["label_names"] or i.label_names


def test_invalid_dataset_findings_carry_file_record_offset(miniciao_copy):
    f = sorted((miniciao_copy / "miniciao.data" / "train").glob("sample*"))[0]
    data = bytearray(f.read_bytes())
    data[40] ^= 0xFF  # inside the first record's payload
    f.write_bytes(bytes(data))
    report = adf.validate(miniciao_copy)
    assert not report.ok and not bool(report)
    crc = [e for e in report.errors if e.code == "TFR_BAD_PAYLOAD_CRC"]
    assert crc, report.errors
    assert crc[0].file.endswith(f.name) and crc[0].record == 0 and crc[0].offset == 0
    assert "CRC" in crc[0].message


def test_validate_missing_path_raises(tmp_path):
    with pytest.raises(adf.DatasetNotFoundError) as e:
        adf.validate(tmp_path / "nope")
    assert isinstance(e.value, FileNotFoundError)
    assert e.value.file.endswith("nope")


def test_inspect_unreadable_raises_layout_error(tmp_path):
    with pytest.raises(adf.LayoutError) as e:
        adf.inspect(tmp_path)
    assert e.value.file is not None
