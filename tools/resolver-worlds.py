#!/usr/bin/env python3
"""Generates the worlds of the resolver's differential test from a real APKINDEX.

Usage: resolver-worlds.py APKINDEX.tar.gz SEED > worlds.txt

One world a line: apk dependency atoms separated by spaces. The mix covers single packages,
random combinations of 2-8 names, virtual names (so:, cmd:, pc:), version constraints,
conflicts and unsatisfiable worlds. Deterministic for a given index and seed.
"""
import random
import sys
import tarfile

def read_index(path):
    with tarfile.open(path, "r:gz") as tar:
        text = tar.extractfile("APKINDEX").read().decode()
    pkgs = []
    for block in text.strip().split("\n\n"):
        p = {}
        for line in block.splitlines():
            k, v = line[0], line[2:]
            p[k] = v
        pkgs.append(p)
    return pkgs

def main():
    pkgs = read_index(sys.argv[1])
    rnd = random.Random(int(sys.argv[2]))
    names = sorted(p["P"] for p in pkgs)
    by_name = {p["P"]: p for p in pkgs}
    virtual = {"so:": set(), "cmd:": set(), "pc:": set()}
    for p in pkgs:
        for atom in p.get("p", "").split():
            name = atom.split("=")[0]
            for prefix in virtual:
                if name.startswith(prefix):
                    virtual[prefix].add(name)
    worlds = []
    worlds += [[n] for n in rnd.sample(names, 110)]
    worlds += [rnd.sample(names, rnd.randint(2, 8)) for _ in range(110)]
    for prefix, count in (("so:", 12), ("cmd:", 12), ("pc:", 8)):
        worlds += [[v] for v in rnd.sample(sorted(virtual[prefix]), count)]
    worlds += [[rnd.choice(sorted(virtual["cmd:"])), rnd.choice(names)] for _ in range(6)]
    for _ in range(30):
        p = by_name[rnd.choice(names)]
        name, ver = p["P"], p["V"]
        major = ver.split(".")[0].split("-")[0]
        op = rnd.choice([">=" + ver, "=" + ver, "<=" + ver, "~" + major, "<" + ver, ">" + ver, "<9999"])
        worlds.append([name + op])
    for _ in range(20):
        p = by_name[rnd.choice([n for n in names if by_name[n].get("D")])]
        deps = [d for d in p["D"].split() if not d.startswith("!") and not d.startswith("so:")]
        other = rnd.choice(names)
        if deps and rnd.random() < 0.6:
            target = deps[0].split("=")[0].split(">")[0].split("<")[0].split("~")[0]
            worlds.append([p["P"], "!" + target])
        else:
            worlds.append([p["P"], "!" + other] if other != p["P"] else [p["P"]])
    for _ in range(10):
        kind = rnd.randint(0, 2)
        if kind == 0:
            worlds.append(["apkimg-no-such-package-%d" % rnd.randint(0, 999)])
        elif kind == 1:
            worlds.append([rnd.choice(names) + "=0.0.0-r0"])
        else:
            worlds.append([rnd.choice(names), rnd.choice(names) + ">99999"])
    for w in worlds:
        print(" ".join(w))

main()
