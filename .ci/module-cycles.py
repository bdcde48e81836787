#!/usr/bin/env python3
"""Fails when the top-level modules of a crate import each other in a cycle.

usage: module-cycles.py DIR...

DIR is a crate's `src` (its top-level modules) or a folder inside one (the modules of that
folder, e.g. `src/tx`). An edge a -> b is a path to b in a file of module a: `crate::b` at a
crate's root; `crate::tx::b` or the `super::` path that reaches the folder from the file
(`super::b` in `tx/a.rs`, `super::super::b` in `tx/a/x.rs`) inside a folder. Comments and doc
examples are excluded. Layers must only import downwards, so the graph has to be acyclic; each cycle found
(a strongly connected component) is printed with the files behind each of its edges.
"""
import os
import re
import sys


def crate_path(src):
    """`crate` for a crate's src, `crate::a::b` for its folder src/a/b."""
    parts = os.path.normpath(src).split(os.sep)
    if 'src' not in parts or parts[-1] == 'src':
        return 'crate'
    inner = parts[len(parts) - parts[::-1].index('src'):]
    return '::'.join(['crate'] + inner)


def edges_of(src):
    prefix = crate_path(src)
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if f.endswith('.rs'):
                rel = os.path.relpath(os.path.join(root, f), src)
                top = rel[:-3].split(os.sep)[0]
                if top not in ('lib', 'main', 'mod'):
                    mods.setdefault(top, []).append(os.path.join(root, f))
    absolute = re.compile(r'\b' + re.escape(prefix) + r'::([a-z_][a-z0-9_]*)')
    edges = {m: {} for m in mods}
    for m, files in mods.items():
        for path in files:
            with open(path, encoding='utf-8') as fh:
                text = re.sub(r'//[^\n]*', '', fh.read())
            found = absolute.findall(text)
            if prefix != 'crate':
                # a/x.rs and a/mod.rs are one level below the folder, a/x/y.rs two, ...
                rel = os.path.relpath(path, src).split(os.sep)
                depth = len(rel) - (1 if rel[-1] == 'mod.rs' or len(rel) == 1 else 0)
                up = r'(?<!::)\bsuper::' + r'super::' * (max(depth, 1) - 1)
                found += re.findall(up + r'([a-z_][a-z0-9_]*)', text)
            for other in found:
                if other in mods and other != m:
                    edges[m].setdefault(other, set()).add(os.path.relpath(path, src))
    return edges


def cycles(edges):
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


failed = False
for src in sys.argv[1:]:
    edges = edges_of(src)
    found = cycles(edges)
    for comp in found:
        failed = True
        print(f'{src}: import cycle among {", ".join(comp)}')
        for a in comp:
            for b, files in sorted(edges[a].items()):
                if b in comp:
                    print(f'  {a} -> {b}: {", ".join(sorted(files))}')
    print(f'{src}: {len(edges)} top-level modules, {len(found)} cycle(s)')
sys.exit(1 if failed else 0)
