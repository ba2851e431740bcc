#!/usr/bin/env python3
"""tests/layout/check_layout.py — the source tree's structural rules (README "Source tour"), checked by make test.

1. Layers: pki/ includes neither gateway/ nor adapters/; adapters/ does not include gateway/; gateway/daemon/
   does not include gateway/cli/. Inside pki/ the subfolders form layers (LAYERS below): a folder includes
   only its own headers and those of lower layers.
2. No include cycles between files (a header that reaches itself through #include "..." chains).
3. No .c file outside tests/ over MAX_C_LINES lines (one responsibility per file).
Exit 0 when all hold, 1 with one line per violation.
"""
import os
import re
import subprocess
import sys

MAX_C_LINES = 750
# Lower index = lower layer. A pki/ folder may include its own layer and any lower one.
LAYERS = ["pki/base", "pki/crypto", "pki/x509", "pki/cms", "pki/xml", "pki/policy", "pki/verdict"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def tracked_sources(root):
    out = subprocess.check_output(["git", "-C", root, "ls-files", "*.c", "*.h"], text=True)
    return [f for f in out.split() if f.split("/")[0] in ("pki", "adapters", "gateway")]


def folder(path):
    return os.path.dirname(path)


def layer_of(path):
    d = folder(path)
    return LAYERS.index(d) if d in LAYERS else None


def main():
    root = subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True).strip()
    files = tracked_sources(root)
    known = set(files)
    graph = {}
    bad = []
    for f in files:
        text = open(os.path.join(root, f), encoding="utf-8", errors="replace").read()
        incs = INCLUDE.findall(text)
        graph[f] = [i for i in incs if i in known]
        for i in incs:
            if f.startswith("pki/") and i.startswith(("gateway/", "adapters/")):
                bad.append("%s: pki/ includes %s" % (f, i))
            if f.startswith("adapters/") and i.startswith("gateway/"):
                bad.append("%s: adapters/ includes %s" % (f, i))
            if f.startswith("gateway/daemon/") and i.startswith("gateway/cli/"):
                bad.append("%s: the daemon includes the CLI's %s" % (f, i))
            lf, li = layer_of(f), layer_of(i)
            if lf is not None and li is not None and li > lf:
                bad.append("%s: %s includes the higher layer %s" % (f, LAYERS[lf], i))
        if f.endswith(".c"):
            n = text.count("\n")
            if n > MAX_C_LINES:
                bad.append("%s: %d lines (more than %d)" % (f, n, MAX_C_LINES))
    # include cycles: depth-first search with colours
    state = {}
    stack = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in graph.get(n, []):
            if state.get(m) == 1:
                bad.append("include cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for f in sorted(graph):
        if f not in state:
            visit(f)
    for b in bad:
        print("layout: " + b)
    print("layout: %d files checked, %d violations" % (len(files), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
