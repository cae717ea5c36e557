#!/usr/bin/python3
"""Photographs the demo blog with headless Chromium: home and post pages, desktop
and phone, light and dark. Makes the images the pages refer to from the SVGs in
tests/site/art with vips, serves the site on a free port of 127.0.0.1, and writes
small PNGs into the output folder.

    screenshots.py SITE_DIR OUT_DIR
"""
import functools
import glob
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading

ART = os.path.join(os.path.dirname(os.path.abspath(__file__)), "art")
SHOTS = [  # name, path, width, height
    ("home-desktop", "/", 1280, 1000),
    ("home-phone", "/", 360, 800),
    ("post-desktop", "/boring-software/", 1280, 1000),
    ("post-phone", "/boring-software/", 360, 800),
]
CHROMIUM = ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1"]


def make_images(site):
    """Renders every /media/ID/w/N.webp a page refers to from art/ID.svg."""
    wanted = set()
    for page in glob.glob(os.path.join(site, "**", "*.html"), recursive=True):
        with open(page, encoding="utf-8") as f:
            wanted.update(re.findall(r"/media/([0-9a-f-]{36})/w/([0-9]+)\.webp", f.read()))
    for media, width in sorted(wanted):
        out = os.path.join(site, "media", media, "w", width + ".webp")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run(["vips", "thumbnail", os.path.join(ART, media + ".svg"),
                        out + "[Q=82]", width], check=True)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    site, out = sys.argv[1], sys.argv[2]
    make_images(site)
    os.makedirs(out, exist_ok=True)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_address[1]
    try:
        for name, path, width, height in SHOTS:
            for scheme in ("light", "dark"):
                png = os.path.join(out, "%s-%s.png" % (name, scheme))
                with tempfile.TemporaryDirectory() as profile:
                    args = CHROMIUM + ["--user-data-dir=" + profile,
                                       "--window-size=%d,%d" % (width, height),
                                       "--screenshot=" + os.path.abspath(png)]
                    if scheme == "dark":
                        args.append("--force-dark-mode")
                    subprocess.run(args + [base + path], check=True, timeout=120,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                # A palette PNG: a tenth of the size, the same to the eye.
                small = png + ".tmp.png"
                if subprocess.run(["vips", "copy", png, small + "[palette,Q=90,compression=9]"],
                                  stderr=subprocess.DEVNULL).returncode == 0:
                    os.replace(small, png)
                print("  SHOT    %s (%d bytes)" % (png, os.path.getsize(png)))
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
