#!/usr/bin/python3
"""Checks rendered pages: each must parse as HTML5 without a single parse error
(html5lib, strict), and keep the theme's promises: <html lang>, one <main>, an
<h1>, no script but JSON-LD, no on* attribute, every <img> with alt, width and
height, sizes with srcset, loading="lazy" on all but the first.

    html5check.py FILE...	exits 1 naming the file and what is wrong
"""
import sys

import html5lib


def check(path):
    with open(path, "rb") as f:
        data = f.read()
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        doc = parser.parse(data, transport_encoding="utf-8")
    except html5lib.html5parser.ParseError as e:
        line, col = parser.errors[-1][0] if parser.errors else ("?", "?")
        return "line %s col %s: %s" % (line, col, e)
    if not doc.get("lang"):
        return "<html> has no lang"
    if len(doc.findall(".//main")) != 1 and not path.endswith("503.html"):
        return "not exactly one <main>"
    if not doc.findall(".//h1"):
        return "no <h1>"
    for el in doc.iter():
        for name in el.attrib:
            if name.lower().startswith("on"):
                return "<%s %s>" % (el.tag, name)
    for script in doc.findall(".//script"):
        if script.get("type") != "application/ld+json":
            return "a <script> that is not JSON-LD"
    for i, img in enumerate(doc.findall(".//img")):
        for attr in ("alt", "width", "height"):
            if img.get(attr) is None:
                return "<img> without %s" % attr
        if img.get("srcset") and not img.get("sizes"):
            return "<img srcset> without sizes"
        if (img.get("loading") == "lazy") != (i > 0):
            return "<img> %d: loading=%r" % (i, img.get("loading"))
    return None


def main(check_one=check):
    """Checks every file named on the command line with check_one."""
    bad = 0
    for path in sys.argv[1:]:
        why = check_one(path)
        if why:
            print("%s: %s" % (path, why))
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
