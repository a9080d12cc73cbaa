#!/usr/bin/env python3
"""Lists pairs of modules that import each other, per crate (issue 15: "no two modules import
each other"). A module is a source file; `use crate::a::b`, `super::x` and `self::x` paths (in
`use` lines and inline, e.g. `crate::a::f(`) are resolved to the file that defines the longest
matching module path. A parent's `mod child;` declaration is not an import; a child's test
module (`mod tests { use super::*; }`) is part of its file; a file named by `#[path]` is the
module its declaration names. Pairs where one module is the
other's parent are listed apart (a parent re-exporting a child that uses the parent's items).
Exit status 1 when any pair imports each other, parent/child pairs included."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^;]*)\};", re.S)


def crates():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in ("target", ".git", "node_modules", "fuzz")]
        if "Cargo.toml" in filenames and os.path.isdir(os.path.join(dirpath, "src")):
            yield os.path.join(dirpath, "src")


def modules(src):
    """Module path (tuple) → file, for every .rs file under src (lib.rs/main.rs = root)."""
    out = {}
    for dirpath, _, filenames in os.walk(src):
        for f in filenames:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), src)[:-3].split(os.sep)
            if rel[-1] in ("lib", "main") and len(rel) == 1:
                rel = []
            elif rel[-1] == "mod":
                rel = rel[:-1]
            elif len(rel) >= 1 and rel[0] == "bin":
                continue
            out[tuple(rel)] = os.path.join(dirpath, f)
    # `#[path = "x.rs"] mod name;` makes x.rs the child `name` of the declaring file (the path
    # is relative to the declaring file's folder), not the module its own file name suggests
    by_file = {os.path.realpath(f): m for m, f in out.items()}
    for here, path in list(out.items()):
        text = open(path, encoding="utf-8").read()
        for target, name in PATH_ATTR.findall(text):
            real = os.path.realpath(os.path.join(os.path.dirname(path), target))
            if real in by_file and by_file[real] in out:
                out.pop(by_file[real])
                out[here + (name,)] = real
    return out


PATH_ATTR = re.compile(r'#\[path\s*=\s*"([^"]+)"\]\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;')


REEXPORT = re.compile(r"\bpub(?:\([a-z]+\))?\s+use\s+(self::|crate::)?((?:[A-Za-z_][A-Za-z0-9_]*::)*)(?:\{([^;]*)\}|([A-Za-z_][A-Za-z0-9_]*))(?:\s+as\s+([A-Za-z_][A-Za-z0-9_]*))?;")


def reexports(mods, texts):
    """(module, name) → the module a `pub use` of that module takes `name` from."""
    out = {}
    for here, text in texts.items():
        for prefix, path, group, single, alias in REEXPORT.findall(text):
            base = list(here) if prefix != "crate::" else []
            segs = [p for p in path.split("::") if p]
            names = [n.strip().split(" as ")[-1].strip() for n in group.split(",")] if group else [alias or single]
            for n in names:
                if not n or n in ("self", "*"):
                    continue
                for k in range(len(segs), -1, -1):
                    cand = tuple(base + segs[:k]) if prefix != "crate::" else tuple(segs[:k])
                    if cand in mods and cand != here:
                        out[(here, n)] = cand
                        break
    return out


def resolve(mods, here, kind, rest, exports=None):
    parts = [p for p in rest.split("::") if p]
    if kind == "crate":
        base = []
    elif kind == "self":
        base = list(here)
    else:
        base = list(here)
        while parts[:1] == ["super"]:
            parts = parts[1:]
            base = base[:-1]
        base = base[:-1]
    full = base + parts
    for n in range(len(full), -1, -1):
        if tuple(full[:n]) in mods:
            target = tuple(full[:n])
            # an item a module only re-exports belongs to the module it comes from
            if exports and n < len(full) and (target, full[n]) in exports:
                return exports[(target, full[n])]
            return target
    return None


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    # a file's own unit tests (`#[cfg(test)] mod tests { use super::*; … }`) are part of it
    return re.split(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)[0]


def main():
    bad, parental = [], []
    for src in sorted(crates()):
        mods = modules(src)
        edges = {m: set() for m in mods}
        texts = {here: strip_comments(open(path, encoding="utf-8").read()) for here, path in mods.items()}
        exports = reexports(mods, texts)
        for here, path in mods.items():
            text = texts[here]
            refs = []
            for kind, prefix, group in USE_GROUP.findall(text):
                for item in re.split(r",\s*", group):
                    item = item.strip().split(" as ")[0].strip()
                    if item and item != "self" and re.match(r"[A-Za-z_]", item):
                        refs.append((kind, prefix + "::" + item.split("::{")[0]))
                    elif item == "self":
                        refs.append((kind, prefix))
            refs += PATH.findall(text)
            # a bare path starting at a child module (`use child::X;`, `child::f(`)
            for name in set(re.findall(r"(?<![:\w])([a-z_][a-z0-9_]*)::", text)):
                if here + (name,) in mods:
                    refs.append(("self", "::" + name))
            for kind, rest in refs:
                target = resolve(mods, here, kind, rest, exports)
                if target is not None and target != here:
                    edges[here].add(target)
        for a in mods:
            for b in edges[a]:
                if a < b and a in edges[b]:
                    related = a == b[: len(a)] or b == a[: len(b)]
                    row = f"{os.path.relpath(mods[a], ROOT)} <-> {os.path.relpath(mods[b], ROOT)}"
                    (parental if related else bad).append(row)
    for row in parental:
        print("parent/child:", row)
    for row in bad:
        print("MUTUAL:", row)
    print(f"{len(bad)} pair(s) of unrelated modules import each other; {len(parental)} parent/child pair(s)")
    return 1 if bad or parental else 0


if __name__ == "__main__":
    sys.exit(main())
