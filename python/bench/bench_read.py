"""Examples/s reading AutoDL datasets into NumPy: autodl_format.Dataset vs TensorFlow's
tf.data.TFRecordDataset + parse_single_sequence_example + decode_image (the challenge reader's
path; sequential and with num_parallel_calls=AUTOTUNE), in the same run. Also the import time
of autodl_format. Run by scripts/bench-python.sh in a venv holding tensorflow and the wheel.

    python bench_read.py DATASET [DATASET ...]
"""

from __future__ import annotations

import glob
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))


def import_ms(runs: int = 7) -> float:
    code = "import time; t = time.perf_counter(); import autodl_format; print((time.perf_counter() - t) * 1000)"
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout) for _ in range(runs)]
    return statistics.median(times)


def read_ours(path: str) -> int:
    import autodl_format as adf

    ds = adf.Dataset(path)
    n = 0
    for subset in ds.subsets:
        for x, y in ds.subset(subset):
            n += 1
    return n


def tf_pipeline(path: str, parallel: bool):
    import tensorflow as tf
    from tf_reference import read_metadata

    data = glob.glob(os.path.join(path, "*.data"))[0]
    pipes = []
    for subset in ("train", "test"):
        sub = os.path.join(data, subset)
        meta = read_metadata(os.path.join(sub, "metadata.textproto"))
        channels = meta["num_channels"] if meta["num_channels"] > 0 else 3
        ctx = {"label_index": tf.io.VarLenFeature(tf.int64), "label_score": tf.io.VarLenFeature(tf.float32)}
        seq = {"0_compressed": tf.io.VarLenFeature(tf.string)}
        dim = meta["output_dim"]

        def parse(rec, channels=channels, dim=dim):
            c, f = tf.io.parse_single_sequence_example(rec, context_features=ctx, sequence_features=seq)
            frames = tf.sparse.to_dense(f["0_compressed"], default_value="")[:, 0]
            x = tf.map_fn(lambda b: tf.image.decode_image(b, channels=channels, expand_animations=False), frames, fn_output_signature=tf.uint8)
            y = tf.scatter_nd(tf.expand_dims(c["label_index"].values, 1), c["label_score"].values, [dim])
            return x, y

        files = sorted(glob.glob(os.path.join(sub, "sample*")))
        ds = tf.data.TFRecordDataset(files)
        ds = ds.map(parse, num_parallel_calls=tf.data.AUTOTUNE if parallel else None)
        pipes.append(ds)
    return pipes


def read_tf(path: str, parallel: bool) -> int:
    n = 0
    for ds in tf_pipeline(path, parallel):
        for x, y in ds.as_numpy_iterator():
            n += 1
    return n


def rate(fn, *args, min_seconds: float = 2.0):
    fn(*args)  # warm-up: page cache, TF graph tracing
    n, runs, start = 0, 0, time.perf_counter()
    while True:
        n += fn(*args)
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds and runs >= 2:
            return n / elapsed, n // runs


def main() -> None:
    print(f"import autodl_format: {import_ms():.1f} ms (median of 7 fresh interpreters)")
    import tensorflow as tf  # noqa: F401  (import outside the timings)

    print(f"cpus: {os.cpu_count()}, tensorflow {tf.__version__}")
    print(f"{'dataset':<12} {'records':>7} {'autodl_format ex/s':>19} {'tf seq ex/s':>12} {'tf AUTOTUNE ex/s':>17} {'vs best tf':>10}")
    for path in sys.argv[1:]:
        ours, n = rate(read_ours, path)
        seq, _ = rate(read_tf, path, False)
        par, _ = rate(read_tf, path, True)
        print(f"{os.path.basename(os.path.normpath(path)):<12} {n:>7} {ours:>19.0f} {seq:>12.0f} {par:>17.0f} {ours / max(seq, par):>9.1f}x")


if __name__ == "__main__":
    main()
