"""A raw folder of N small JPEG images in 10 class folders (varied content, 64x64 to 96x96),
for the reading benchmark. Uses TensorFlow's JPEG encoder (the bench venv has it).

    python make_images.py OUT N
"""

import os
import sys

import numpy as np


def main() -> None:
    import tensorflow as tf

    out, n = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(0)
    for i in range(n):
        cls = f"class{i % 10}"
        os.makedirs(os.path.join(out, cls), exist_ok=True)
        h, w = 64 + 32 * (i % 2), 64 + 32 * ((i // 2) % 2)
        yy, xx = np.mgrid[0:h, 0:w]
        base = np.stack([(xx * (i % 7 + 1)) % 256, (yy * (i % 5 + 1)) % 256, ((xx + yy) * 3) % 256], axis=-1)
        img = np.clip(base + rng.integers(0, 40, size=base.shape), 0, 255).astype(np.uint8)
        tf.io.write_file(os.path.join(out, cls, f"img{i:05d}.jpg"), tf.io.encode_jpeg(img, quality=90))


if __name__ == "__main__":
    main()
