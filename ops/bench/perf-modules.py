#!/usr/bin/env python3
"""Summarises a `perf record -g` profile of atrium serve by module, for ops/bench/request-overhead.

usage: perf-modules.py PERF.DATA

Reads `perf script` (every sample with its call chain) and prints:
  1. per module family, the share of samples whose chain passes through it (inclusive) and the
     share whose leaf is in it (self): our modules (Atrium*, atrium), Hummingbird, NIO,
     PostgresNIO, Mustache, the Swift runtime and standard library, Foundation, libc, kernel;
  2. the top functions of our own modules by inclusive share, demangled (swift-demangle).
A Swift symbol's module is the first name of its mangling ($s<length><Module>…); a symbol of a
shared library is counted under that library.
"""
import collections
import re
import shutil
import subprocess
import sys

MANGLED = re.compile(r"^\$s(\d+)([A-Za-z_][A-Za-z0-9_]*)")


def family(sym, dso):
    base = dso.rsplit("/", 1)[-1]
    if "kernel" in base or sym.startswith("[k]"):
        return "kernel"
    if base.startswith("libswift_Concurrency"):
        return "Swift concurrency runtime"
    if base.startswith("libswift") or base.startswith("libBlocksRuntime") or base.startswith("libdispatch"):
        return "Swift runtime / stdlib"
    if base.startswith("libFoundation"):
        return "Foundation"
    if base.startswith("libc.so") or base.startswith("libm.so") or base.startswith("ld-linux") or base.startswith("libstdc++"):
        return "libc"
    if base != "atrium":
        return base or "unknown"
    m = MANGLED.match(sym)
    module = m.group(2)[: int(m.group(1))] if m else ""
    if not m:
        if sym.startswith("$sS") or sym.startswith("$ss"):
            return "Swift runtime / stdlib"
        if sym.startswith("c_nio") or sym.startswith("CNIO") or "nio" in sym.lower():
            return "NIO"
        return "other (C, unknown)"
    if module.startswith("Atrium") or module == "atrium":
        return "Atrium (ours)"
    if module.startswith("PostgresNIO"):
        return "PostgresNIO"
    if module.startswith("Hummingbird") or module.startswith("HTTPTypes"):
        return "Hummingbird"
    if module.startswith("NIO") or module.startswith("_NIO"):
        return "NIO"
    if module.startswith("Mustache"):
        return "Mustache"
    return module


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = subprocess.run(["perf", "script", "-i", sys.argv[1], "-F", "ip,sym,dso"], capture_output=True, text=True, check=True).stdout
    samples, chain = [], []
    for line in out.split("\n"):
        line = line.strip()
        if not line:
            if chain:
                samples.append(chain)
            chain = []
            continue
        m = re.match(r"^[0-9a-f]+ (.*) \((.*)\)$", line)
        if m:
            chain.append((m.group(1).split("+0x")[0], m.group(2)))
    if chain:
        samples.append(chain)
    if not samples:
        sys.exit("perf-modules: no samples")
    inclusive, self_, ours = collections.Counter(), collections.Counter(), collections.Counter()
    for chain in samples:
        fams = [family(s, d) for s, d in chain]
        self_[fams[0]] += 1
        for f in set(fams):
            inclusive[f] += 1
        for s in {s for (s, d), f in zip(chain, fams) if f == "Atrium (ours)"}:
            ours[s] += 1
    n = len(samples)
    print(f"{n} samples")
    print(f"{'module family':34} {'inclusive':>9} {'self':>7}")
    for f, c in inclusive.most_common():
        print(f"{f:34} {100 * c / n:8.1f}% {100 * self_[f] / n:6.1f}%")
    top = ours.most_common(25)
    names = [s for s, _ in top]
    if shutil.which("swift-demangle"):
        demangled = subprocess.run(["swift-demangle", "--simplified", "--compact"], input="\n".join(names), capture_output=True, text=True).stdout.split("\n")
        names = [d or s for s, d in zip(names, demangled + [""] * len(names))]
    print("\ntop functions of our modules (inclusive)")
    for (s, c), name in zip(top, names):
        print(f"{100 * c / n:6.1f}%  {name[:150]}")


if __name__ == "__main__":
    main()
