#!/usr/bin/env python3
"""Parses an Atom feed with a real XML parser (xml.etree) and writes what
the test checks as JSON: feed id, title, updated, links, and per entry its
id, title, links, dates, author, categories, summary and content.

    atom_check.py FEED.xml OUT.json
"""
import json
import sys
import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"


def links(element):
    return [{"rel": l.get("rel"), "type": l.get("type"), "href": l.get("href")}
            for l in element.findall(ATOM + "link")]


def main():
    root = ET.parse(sys.argv[1]).getroot()
    if root.tag != ATOM + "feed":
        sys.exit("not an Atom feed: " + root.tag)
    out = {
        "id": root.findtext(ATOM + "id"),
        "title": root.findtext(ATOM + "title"),
        "updated": root.findtext(ATOM + "updated"),
        "base": root.get("{http://www.w3.org/XML/1998/namespace}base"),
        "links": links(root),
        "entries": [],
    }
    for e in root.findall(ATOM + "entry"):
        content = e.find(ATOM + "content")
        out["entries"].append({
            "id": e.findtext(ATOM + "id"),
            "title": e.findtext(ATOM + "title"),
            "links": links(e),
            "published": e.findtext(ATOM + "published"),
            "updated": e.findtext(ATOM + "updated"),
            "author": e.findtext(ATOM + "author/" + ATOM + "name"),
            "categories": [c.get("term") for c in e.findall(ATOM + "category")],
            "summary": e.findtext(ATOM + "summary"),
            "content_type": content.get("type") if content is not None else None,
            "content": content.text if content is not None else None,
        })
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
