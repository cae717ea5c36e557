#!/usr/bin/python3
"""Checks pages of the reader site as a browser and a feed reader would read
them: FILE.html must parse as HTML5 and keep the theme's promises
(tests/unit/site/html5check.py); FILE.atom must be an Atom feed and
FILE.xml a sitemaps.org sitemap, both well-formed XML (xml.etree).

    site_check.py FILE...	exits 1 naming each file and what is wrong
"""
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "unit", "site"))
import html5check  # noqa: E402

ROOTS = {
    ".atom": "{http://www.w3.org/2005/Atom}feed",
    ".xml": "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset",
}


def check(path):
    ext = os.path.splitext(path)[1]
    if ext == ".html":
        return html5check.check(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return "not well-formed XML: %s" % e
    if root.tag != ROOTS.get(ext):
        return "root element %s" % root.tag
    return None


if __name__ == "__main__":
    html5check.main(check)
