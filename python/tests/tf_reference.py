"""The reference arrays, computed with TensorFlow the way the challenge's reader does
(``tf.io.parse_single_sequence_example`` + ``tf.image.decode_image``), as hashes.

    python tf_reference.py DATASET_DIR [DATASET_DIR ...] > hashes.json

Needs only tensorflow (run it in a venv that has it); ``expected_hashes.json`` holds its output
for the shared datasets and the text and speech sets ``test_arrays.py`` converts, so the
comparison runs where TensorFlow does not install. Record hashing lives in ``arrays_hash.py``,
shared with the tests."""

from __future__ import annotations

import glob
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from arrays_hash import example_digest, labels_list  # noqa: E402


def read_metadata(path: str) -> dict:
    """The few metadata fields the reference reader needs, from the textproto."""
    text = open(path, encoding="utf-8").read()

    def num(field: str, default: int) -> int:
        m = re.search(rf"^\s*{field}\s*:\s*(-?\d+)", text, re.M)
        return int(m.group(1)) if m else default

    fmt = re.search(r"^\s*format\s*:\s*(\w+)", text, re.M)
    return {
        "output_dim": num("output_dim", 0),
        "row_count": num("row_count", 0),
        "col_count": num("col_count", 0),
        "num_channels": num("num_channels", -1),
        "format": fmt.group(1) if fmt else "DENSE",
    }


def reference(dataset: str, solution_rows=None) -> dict:
    import tensorflow as tf

    data = glob.glob(os.path.join(dataset, "*.data"))[0]
    out = {}
    for subset in ("train", "test"):
        sub = os.path.join(data, subset)
        meta = read_metadata(os.path.join(sub, "metadata.textproto"))
        files = sorted(glob.glob(os.path.join(sub, "sample*")))
        compressed = meta["format"] == "COMPRESSED"
        channels = meta["num_channels"] if meta["num_channels"] > 0 else (3 if compressed else 1)
        seq = {}
        if compressed:
            seq["0_compressed"] = tf.io.VarLenFeature(tf.string)
        else:
            seq["0_dense_input"] = tf.io.FixedLenSequenceFeature(
                [meta["row_count"] * meta["col_count"] * channels], dtype=tf.float32
            )
        ctx = {
            "label_index": tf.io.VarLenFeature(tf.int64),
            "label_score": tf.io.VarLenFeature(tf.float32),
        }
        rows = []
        for rec in tf.data.TFRecordDataset(files):
            c, f = tf.io.parse_single_sequence_example(rec, context_features=ctx, sequence_features=seq)
            if compressed:
                frames = tf.sparse.to_dense(f["0_compressed"], default_value=b"")
                x = np.stack([tf.image.decode_image(b, channels=channels).numpy() for b in frames[:, 0]])
            else:
                x = f["0_dense_input"].numpy().reshape(-1, meta["row_count"], meta["col_count"], channels)
            y = np.zeros(meta["output_dim"], dtype=np.float32)
            y[c["label_index"].values.numpy()] = c["label_score"].values.numpy()
            rows.append({"example": example_digest(x), "labels": labels_list(y) if subset == "train" else None})
        out[subset] = rows
    return out


if __name__ == "__main__":
    result = {os.path.basename(os.path.normpath(d)): reference(d) for d in sys.argv[1:]}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    print()
