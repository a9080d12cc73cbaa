"""Reads TFRecord files of tf.train.SequenceExample with the PyPI `tfrecord` package and prints
what it sees as JSON, for formats/tests/python_interop.rs.

Framing: `tfrecord.reader.tfrecord_iterator` yields the payloads but does not check CRCs, so
this script also walks the framing itself and checks both masked CRC32Cs of every record with
the package's own `TFRecordWriter.masked_crc` (spec §2); the two walks must agree.
Payloads are parsed with the package's bundled `tfrecord.example_pb2`.

Usage: python3 read_tfrecord.py FILE...   (exit 0 and JSON on stdout, or exit 1 and a reason)
"""

import base64
import json
import struct
import sys

from tfrecord import example_pb2
from tfrecord.reader import tfrecord_iterator
from tfrecord.writer import TFRecordWriter


def checked_payloads(path):
    """Payloads of `path` after verifying the length CRC and the payload CRC of each record."""
    with open(path, "rb") as f:
        data = f.read()
    pos, index, out = 0, 0, []
    while pos < len(data):
        if len(data) - pos < 12:
            raise ValueError(f"{path}: record {index}: truncated header")
        length_bytes = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", length_bytes)
        if data[pos + 8:pos + 12] != TFRecordWriter.masked_crc(length_bytes):
            raise ValueError(f"{path}: record {index}: bad length CRC")
        start, end = pos + 12, pos + 12 + length
        if end + 4 > len(data):
            raise ValueError(f"{path}: record {index}: truncated payload")
        payload = data[start:end]
        if data[end:end + 4] != TFRecordWriter.masked_crc(payload):
            raise ValueError(f"{path}: record {index}: bad payload CRC")
        out.append(payload)
        pos, index = end + 4, index + 1
    return out


def feature_value(feature):
    kind = feature.WhichOneof("kind")
    if kind == "int64_list":
        return {"int64": list(feature.int64_list.value)}
    if kind == "float_list":
        return {"float": list(feature.float_list.value)}
    if kind == "bytes_list":
        return {"bytes": [base64.b64encode(v).decode("ascii") for v in feature.bytes_list.value]}
    return {"none": []}


def describe(payload):
    ex = example_pb2.SequenceExample.FromString(payload)
    context = {k: feature_value(v) for k, v in ex.context.feature.items()}
    lists = {
        k: [feature_value(f) for f in v.feature]
        for k, v in ex.feature_lists.feature_list.items()
    }
    return {"context": context, "feature_lists": lists}


def main(paths):
    files = []
    for path in paths:
        checked = checked_payloads(path)
        seen = [bytes(p) for p in tfrecord_iterator(path)]
        if seen != checked:
            raise ValueError(f"{path}: tfrecord_iterator and the CRC walk disagree")
        files.append({"path": path, "records": [describe(p) for p in seen]})
    json.dump({"files": files}, sys.stdout)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as e:  # one line for the Rust test's failure message
        print(f"read_tfrecord.py: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
