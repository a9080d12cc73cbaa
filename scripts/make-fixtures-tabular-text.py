#!/usr/bin/env python3
"""Generate the small tabular and text fixtures used by the converter tests.

Writes fixtures/tabular/ and fixtures/text/ (deterministic: fixed seed, no dependencies).
Parquet and Arrow IPC fixtures are written by the Rust tests themselves (no pyarrow here).

Usage: python3 scripts/make-fixtures-tabular-text.py [--out fixtures]
"""
import argparse
import json
import os
import random
import shutil


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(text, bytes):
        with open(path, "wb") as f:
            f.write(text)
    else:
        with open(path, mode, encoding="utf-8", newline="") as f:
            f.write(text)


def tabular(root, rng):
    t = os.path.join(root, "tabular")
    # numeric + categorical + missing values; target 'species' with 3 classes
    colours = ["red", "green", "blue"]
    rows = ["height,weight,colour,size,species"]
    for i in range(60):
        species = ["setosa", "versicolor", "virginica"][i % 3]
        h = round(rng.uniform(1, 10), 2)
        w = round(rng.uniform(0.5, 3), 3)
        c = colours[rng.randrange(3)]
        s = rng.choice(["S", "M", "L", "XL"])
        if i % 11 == 4:
            h = ""          # missing numeric
        if i % 13 == 7:
            w = "NA"        # missing numeric, other marker
        if i % 17 == 5:
            c = ""          # missing categorical
        rows.append(f"{h},{w},{c},{s},{species}")
    write(os.path.join(t, "mixed.csv"), "\n".join(rows) + "\n")

    # same table, tab-separated (delimiter detection)
    write(os.path.join(t, "mixed.tsv"), "\n".join(r.replace(",", "\t") for r in rows) + "\n")

    # binary 0/1 target
    rows = ["x1;x2;y"]
    for i in range(40):
        rows.append(f"{i * 0.5};{(i * 7) % 5};{i % 2}")
    write(os.path.join(t, "binary_semicolon.csv"), "\n".join(rows) + "\n")

    # multilabel: three 0/1 target columns
    rows = ["f1,f2,f3,is_a,is_b,is_c"]
    for i in range(50):
        a, b, c = i % 2, (i // 2) % 2, int(i % 5 == 0)
        rows.append(f"{rng.randint(0, 9)},{rng.random():.4f},{i},{a},{b},{c}")
    write(os.path.join(t, "multilabel.csv"), "\n".join(rows) + "\n")

    # sparse-looking table (mostly zeros) for --sparse auto
    rows = ["f" + ",f".join(str(k) for k in range(30)) + ",label"]
    for i in range(40):
        vals = ["0"] * 30
        vals[i % 30] = str(1 + i % 4)
        rows.append(",".join(vals) + f",{i % 2}")
    write(os.path.join(t, "mostly_zero.csv"), "\n".join(rows) + "\n")

    # bad inputs
    good = ["a,b,label"] + [f"{i},{i * 2},{i % 2}" for i in range(20)]
    ragged = list(good)
    ragged[6] = "5,10,1,99"  # line 7: four fields
    write(os.path.join(t, "bad", "ragged.csv"), "\n".join(ragged) + "\n")
    text_num = list(good)
    text_num[9] = "8,oops,0"  # line 10: text in numeric column b
    write(os.path.join(t, "bad", "text_in_numeric.csv"), "\n".join(text_num) + "\n")
    write(os.path.join(t, "bad", "invalid_utf8.csv"),
          ("\n".join(good[:5]) + "\n").encode() + b"7,\xff\xfe,1\n" + ("\n".join(good[5:]) + "\n").encode())

    # AutoML sparse (index:value, 1-based) with multi-column solutions
    d = os.path.join(t, "automl_sparse")
    for part, n in (("train", 24), ("valid", 6), ("test", 10)):
        data, sol = [], []
        for i in range(n):
            k = i % 3
            feats = sorted({1 + (i * 7) % 20, 1 + k * 5, 20})
            data.append(" ".join(f"{f}:{(f * 0.25 + i) % 3 + 0.5}" for f in feats) + " ")
            sol.append(" ".join("1" if j == k else "0" for j in range(3)) + " ")
        write(os.path.join(d, f"toy_{part}.data"), "\n".join(data) + "\n")
        write(os.path.join(d, f"toy_{part}.solution"), "\n".join(sol) + "\n")
    write(os.path.join(d, "toy_label.name"), "alpha\nbeta\ngamma\n")

    # AutoML sparse binary (indices of ones) with a single 0/1 solution column
    d = os.path.join(t, "automl_binary")
    for part, n in (("train", 20), ("test", 8)):
        data, sol = [], []
        for i in range(n):
            y = i % 2
            ones = sorted({1 + (i % 9), 10 + y, 1 + (i * 3) % 12})
            if i % 4 == 0:
                ones = ones[:2]
            data.append(" ".join(str(o) for o in ones))
            sol.append(str(y))
        write(os.path.join(d, f"bin_{part}.data"), "\n".join(data) + "\n")
        write(os.path.join(d, f"bin_{part}.solution"), "\n".join(sol) + "\n")


WORDS_POS = "good great fine lovely excellent happy wonderful superb nice pleasant".split()
WORDS_NEG = "bad awful poor terrible sad boring horrible dull weak nasty".split()
FILLER = "the a movie film plot was and it really very quite story acting".split()


def sentence(rng, words, n=8):
    toks = [rng.choice(FILLER) for _ in range(n)] + [rng.choice(words) for _ in range(3)]
    rng.shuffle(toks)
    return " ".join(toks).capitalize() + rng.choice([".", "!", ", indeed."])


def text(root, rng):
    t = os.path.join(root, "text")
    # class folders
    for cls, words in (("neg", WORDS_NEG), ("pos", WORDS_POS)):
        for i in range(12):
            write(os.path.join(t, "classes", cls, f"{cls}{i:02}.txt"), sentence(rng, words) + "\n")
    # CSV with text and label columns (quoted commas)
    rows = ["id,text,label"]
    for i in range(30):
        pos = i % 2 == 0
        s = sentence(rng, WORDS_POS if pos else WORDS_NEG).replace('"', "")
        rows.append(f'{i},"{s}",{"pos" if pos else "neg"}')
    write(os.path.join(t, "reviews.csv"), "\n".join(rows) + "\n")
    # JSONL, multilabel labels as lists
    lines = []
    topics = ["sport", "music", "food"]
    for i in range(36):
        labels = [topics[i % 3]] + ([topics[(i + 1) % 3]] if i % 4 == 0 else [])
        lines.append(json.dumps({"text": f"{' '.join(labels)} news item {i}: " + sentence(rng, WORDS_POS, 4),
                                 "label": labels}))
    write(os.path.join(t, "topics.jsonl"), "\n".join(lines) + "\n")
    # AutoNLP layout: <n>/<n>.data/{meta.json, train.data, test.data, train.solution} + <n>/<n>.solution
    d = os.path.join(t, "autonlp", "toynlp")
    train, train_sol, test, test_sol = [], [], [], []
    for i in range(24):
        y = i % 2
        train.append(sentence(rng, WORDS_POS if y else WORDS_NEG) + " ")
        train_sol.append("0 1" if y else "1 0")
    for i in range(8):
        y = (i + 1) % 2
        test.append(sentence(rng, WORDS_POS if y else WORDS_NEG) + " zzzunseen")
        test_sol.append("0 1" if y else "1 0")
    dd = os.path.join(d, "toynlp.data")
    write(os.path.join(dd, "train.data"), "\n".join(train) + "\n")
    write(os.path.join(dd, "train.solution"), "\n".join(train_sol) + "\n")
    write(os.path.join(dd, "test.data"), "\n".join(test) + "\n")
    write(os.path.join(d, "toynlp.solution"), "\n".join(test_sol) + "\n")
    write(os.path.join(dd, "meta.json"), json.dumps(
        {"class_num": 2, "train_num": 24, "test_num": 8, "language": "EN", "time_budget": 2400}))
    write(os.path.join(d, "toynlp_label.name"), "negative\npositive\n")
    # Chinese text, class folders (chars tokenizer chosen automatically)
    zh = {"tiyu": "足球比赛球队进球冠军运动员", "yinyue": "音乐歌曲歌手演唱会专辑旋律"}
    for cls, chars in zh.items():
        for i in range(10):
            s = "".join(rng.choice(chars) for _ in range(12)) + "。"
            write(os.path.join(t, "chinese", cls, f"{i}.txt"), s + "\n")
    # bad inputs: empty document, invalid UTF-8, next to good ones
    for cls, words in (("neg", WORDS_NEG), ("pos", WORDS_POS)):
        for i in range(6):
            write(os.path.join(t, "bad_classes", cls, f"{i}.txt"), sentence(rng, words) + "\n")
    write(os.path.join(t, "bad_classes", "neg", "empty.txt"), "")
    write(os.path.join(t, "bad_classes", "pos", "latin1.txt"), "caf\xe9 ok\n".encode("latin-1"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "fixtures"))
    args = ap.parse_args()
    for sub in ("tabular", "text"):
        shutil.rmtree(os.path.join(args.out, sub), ignore_errors=True)
    rng = random.Random(20240601)
    tabular(args.out, rng)
    text(args.out, rng)


if __name__ == "__main__":
    main()
