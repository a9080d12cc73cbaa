"""How an example array is summarised for the reference fixtures: dtype, shape and the SHA-256
of its C-order bytes (so a fixture stays a few KB however large the dataset)."""

import hashlib

import numpy as np


def example_digest(x: np.ndarray) -> str:
    x = np.ascontiguousarray(x)
    return f"{x.dtype.str}{list(x.shape)}:{hashlib.sha256(x.tobytes()).hexdigest()[:32]}"


def labels_list(y: np.ndarray) -> list:
    return [float(v) for v in np.asarray(y, dtype=np.float32)]
