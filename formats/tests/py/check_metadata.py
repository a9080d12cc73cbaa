#!/usr/bin/env python3
"""Reads metadata.textproto files with protobuf's own text parser (spec §4.3/§4.4).

Usage: check_metadata.py CASES.json
CASES.json: [{"file": path, "expect": {...DataSpec fields...}, "vocab": [[token, escaped], ...]}, ...]

For each case: parses the file with google.protobuf.text_format.Parse into
autodl.DataSpecification (built here from schemas/data_spec.proto's field table, no protoc),
checks every field and map entry against "expect", checks that each `key:` line equals
Python's repr() of the key where the reference quoting is protobuf-safe, and checks the
vocabulary escaping against repr()[1:-1]. Prints one line per problem; exit 1 if any.
"""
import ast
import json
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

F = descriptor_pb2.FieldDescriptorProto


def build_message_class():
    fdp = descriptor_pb2.FileDescriptorProto(name="data_spec.proto", package="autodl", syntax="proto2")
    ms = fdp.message_type.add(name="MatrixSpec")
    fmt = ms.enum_type.add(name="Format")
    for name, number in (("DENSE", 0), ("SPARSE", 1), ("COMPRESSED", 2)):
        fmt.value.add(name=name, number=number)
    for name, number, typ in (
        ("col_count", 1, F.TYPE_INT32), ("row_count", 2, F.TYPE_INT32),
        ("is_sequence_col", 3, F.TYPE_BOOL), ("is_sequence_row", 4, F.TYPE_BOOL),
        ("has_locality_col", 5, F.TYPE_BOOL), ("has_locality_row", 6, F.TYPE_BOOL),
        ("is_sparse", 7, F.TYPE_BOOL),
    ):
        ms.field.add(name=name, number=number, type=typ, label=F.LABEL_OPTIONAL)
    ms.field.add(name="format", number=8, type=F.TYPE_ENUM, label=F.LABEL_OPTIONAL,
                 type_name=".autodl.MatrixSpec.Format", default_value="DENSE")
    ms.field.add(name="num_channels", number=9, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL,
                 default_value="-1")

    ds = fdp.message_type.add(name="DataSpecification")
    ds.field.add(name="matrix_spec", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                 type_name=".autodl.MatrixSpec")
    ds.field.add(name="is_sequence", number=2, type=F.TYPE_BOOL, label=F.LABEL_OPTIONAL)
    ds.field.add(name="output_dim", number=3, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
    for name, number, entry in (
        ("label_to_index_map", 4, "LabelToIndexMapEntry"),
        ("feature_to_index_map", 5, "FeatureToIndexMapEntry"),
        ("channel_to_index_map", 6, "ChannelToIndexMapEntry"),
    ):
        nt = ds.nested_type.add(name=entry)
        nt.options.map_entry = True
        nt.field.add(name="key", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
        nt.field.add(name="value", number=2, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
        ds.field.add(name=name, number=number, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                     type_name=".autodl.DataSpecification." + entry)
    ds.field.add(name="sequence_size", number=7, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL,
                 default_value="1")
    ds.field.add(name="sample_count", number=8, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)

    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("autodl.DataSpecification"))


C1_UNSAFE = set(range(0x80, 0xA1)) | {0xAD}  # repr writes these as \xHH, protobuf misreads (§4.4)

MATRIX_FIELDS = ("col_count", "row_count", "is_sequence_col", "is_sequence_row",
                 "has_locality_col", "has_locality_row", "is_sparse", "num_channels")
MAPS = ("label_to_index_map", "feature_to_index_map", "channel_to_index_map")


def check_case(cls, case, problems):
    path = case["file"]
    want = case["expect"]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    msg = cls()
    try:
        text_format.Parse(text, msg)
    except text_format.ParseError as e:
        problems.append("%s: protobuf cannot parse: %s" % (path, e))
        return
    for name in ("is_sequence", "output_dim", "sequence_size", "sample_count"):
        if getattr(msg, name) != want[name]:
            problems.append("%s: %s = %r, expected %r" % (path, name, getattr(msg, name), want[name]))
    if len(msg.matrix_spec) != len(want["matrix_spec"]):
        problems.append("%s: %d matrix_spec, expected %d" % (path, len(msg.matrix_spec), len(want["matrix_spec"])))
    for got, exp in zip(msg.matrix_spec, want["matrix_spec"]):
        for name in MATRIX_FIELDS:
            if getattr(got, name) != exp[name]:
                problems.append("%s: matrix_spec.%s = %r, expected %r" % (path, name, getattr(got, name), exp[name]))
        if got.Format.Name(got.format) != exp["format"]:
            problems.append("%s: format = %s, expected %s" % (path, got.Format.Name(got.format), exp["format"]))
    for name in MAPS:
        got = dict(getattr(msg, name))
        exp = dict((k, v) for k, v in want[name])
        if got != exp:
            missing = sorted(set(exp) - set(got))[:5]
            extra = sorted(set(got) - set(exp))[:5]
            wrong = [(k, got[k], exp[k]) for k in exp if k in got and got[k] != exp[k]][:5]
            problems.append("%s: %s differs: missing %r extra %r wrong %r" % (path, name, missing, extra, wrong))
        # The printer quotes keys as repr() does wherever that is protobuf-safe.
        for key, _ in want[name]:
            if any(ord(c) in C1_UNSAFE for c in key):
                continue
            line = "  key: " + repr(key) + "\n"
            if line not in text:
                problems.append("%s: no line %r for key %r" % (path, line, key))
    for token, escaped in case.get("vocab", []):
        r = repr(token)
        if r[1:-1] != escaped:
            problems.append("vocab: escape(%r) = %r, repr gives %r" % (token, escaped, r[1:-1]))
        elif ast.literal_eval(r[0] + escaped + r[-1]) != token:
            problems.append("vocab: %r does not unescape to %r" % (escaped, token))


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    cls = build_message_class()
    problems = []
    for case in cases:
        check_case(cls, case, problems)
    for p in problems:
        print(p)
    print("checked %d files, %d problems" % (len(cases), len(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
