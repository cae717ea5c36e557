#!/usr/bin/python3
"""Each program's route map (the comment atop fcgi/NAME/NAME.h) says what its
route table (fcgi/NAME/main.c) holds: every route, with its handler, and the
file that defines that handler. Fails naming every line that drifted.

    tests/docs/route_maps.py [CHECKOUT]
"""
import glob
import os
import re
import sys

ROUTE = re.compile(r'\{\s*"([A-Z]+)",\s*"(/[^"]*)",\s*(\w+),\s*ROLE_\w+\s*\}')
MAP = re.compile(r'^ \*\s+([A-Z]+)\s+(/\S*)\s+(\w+)\s+(\S+\.c)\s*$', re.M)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems, checked = [], 0
    for main_c in sorted(glob.glob(os.path.join(root, "fcgi", "*", "main.c"))):
        folder = os.path.dirname(main_c)
        name = os.path.basename(folder)
        with open(main_c, encoding="utf-8") as f:
            routes = ROUTE.findall(f.read())
        with open(os.path.join(folder, name + ".h"), encoding="utf-8") as f:
            mapped = {(m, p): (h, c) for m, p, h, c in MAP.findall(f.read())}
        for method, path, handler in routes:
            checked += 1
            if (method, path) not in mapped:
                problems.append("%s.h: no map line for %s %s" % (name, method, path))
                continue
            h, c = mapped.pop((method, path))
            if h != handler:
                problems.append("%s.h: %s %s maps to %s, the table to %s" %
                                (name, method, path, h, handler))
            src = os.path.join(root, c) if "/" in c else os.path.join(folder, c)
            if not os.path.exists(src) or not re.search(
                    r"^%s\(" % re.escape(handler), open(src, encoding="utf-8").read(), re.M):
                problems.append("%s.h: %s is not defined in %s" % (name, handler, c))
        for (method, path), _ in sorted(mapped.items()):
            problems.append("%s.h: %s %s is in the map, not in the table" % (name, method, path))
    for p in problems:
        print("FAIL: " + p)
    if problems or checked == 0:
        sys.exit(1 if problems else "FAIL: no route tables found")
    print("%d route(s): every one in its program's map" % checked)


main()
