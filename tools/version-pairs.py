#!/usr/bin/env python3
"""Pairs of apk versions whose order apk-tools is asked for (tools/regenerate-version-vectors.sh).

Usage: version-pairs.py APKINDEX.tar.gz SEED
Prints "A B" lines: real versions from the index (neighbours and random pairs, where the
interesting cases are) and synthetic ones that walk apk's grammar: numbers, leading zeros,
letters, pre-release and post-release suffixes with and without numbers, revisions, and
strings apk calls invalid.
"""
import random
import sys
import tarfile

def index_versions(path):
    with tarfile.open(path, "r:gz") as tar:
        text = tar.extractfile("APKINDEX").read().decode()
    return sorted({line[2:] for line in text.splitlines() if line.startswith("V:")})

def synthetic(rnd):
    bases = ["0", "1", "1.0", "1.0.0", "1.2", "1.2.3", "1.02", "1.002", "1.20", "2", "10", "1.10", "1.9",
             "0.1", "0.01", "20240705", "1.2.3.4.5", "1.0a", "1.0b", "1.0z", "1a"]
    suffixes = ["", "_alpha", "_alpha1", "_alpha2", "_beta", "_beta3", "_pre", "_pre1", "_rc", "_rc1", "_rc10",
                "_cvs", "_svn1", "_git20230101", "_git20240101", "_hg", "_p", "_p1", "_p2", "_p10",
                "_alpha_pre2", "_rc1_p1", "_p1_rc1"]
    revisions = ["", "-r0", "-r1", "-r2", "-r10"]
    invalid = ["1.0bc", "1.0_foo", "1.0-1", "1.0A", "a", "1..0", "1.0-rx", "1.0_", "1_0", "1.0-r1-r2"]
    versions = [b + s + r for b in bases for s in suffixes for r in revisions]
    pairs = []
    for _ in range(900):
        pairs.append((rnd.choice(versions), rnd.choice(versions)))
    # Same base, different suffix or revision: where the grammar matters most.
    for b in bases:
        for _ in range(12):
            pairs.append((b + rnd.choice(suffixes) + rnd.choice(revisions), b + rnd.choice(suffixes) + rnd.choice(revisions)))
    for v in invalid:
        pairs.append((v, rnd.choice(versions)))
        pairs.append((rnd.choice(versions), v))
    for v in versions[:40]:
        pairs.append((v, v))
    return pairs

def main():
    rnd = random.Random(int(sys.argv[2]))
    real = index_versions(sys.argv[1])
    pairs = [(real[i], real[i + 1]) for i in range(0, len(real) - 1, 7)]
    pairs += [(rnd.choice(real), rnd.choice(real)) for _ in range(300)]
    pairs += synthetic(rnd)
    for a, b in pairs:
        if " " in a or " " in b or "'" in a + b:
            continue
        print(a, b)

main()
