#!/usr/bin/python3
"""Photographs the real reader site with headless Chromium: starts the whole
stack (PostgreSQL, lighttpd, quire-auth, quire-post, quire-media) in a folder
of its own, writes the demo blog of demo.json through the APIs (settings, an
author, two images made from the SVGs in art/ with vips, posts and a page),
then has Chromium load the home page and a post page, desktop and phone, light
and dark, and writes small PNGs into the output folder. Stops everything it
started, also on failure.

    screenshots.py BUILD_DIR OUT_DIR
"""
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN_PASSWORD = "screenshots-admin-password"
AUTHOR_PASSWORD = "screenshots-author-password"
SHOTS = [  # name, path, width, height
    ("home-desktop", "/", 1280, 1000),
    ("home-phone", "/", 360, 800),
    ("post-desktop", "/boring-software/", 1280, 1000),
    ("post-phone", "/boring-software/", 360, 800),
]
CHROMIUM = ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """The stack's HTTP API, as one client."""

    def __init__(self, base):
        self.base = base
        self.token = None

    def call(self, method, path, body=None, headers=None, raw=None):
        req = urllib.request.Request(self.base + path, method=method)
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, data, timeout=30) as resp:
            text = resp.read()
            return resp, json.loads(text) if text[:1] in (b"{", b"[") else text

    def login(self, username, password):
        _, body = self.call("POST", "/auth/login", {"username": username,
                                                   "password": password})
        self.token = body["access_token"]


def wait_healthy(base, stack):
    for _ in range(600):
        if stack.poll() is not None:
            sys.exit("screenshots: the stack exited")
        try:
            with urllib.request.urlopen(base + "/posts/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    sys.exit("screenshots: the stack did not come up")


def when(days_ago):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_demo(site, work):
    """Writes demo.json's blog through the APIs."""
    with open(os.path.join(HERE, "demo.json"), encoding="utf-8") as f:
        demo = json.load(f)
    site.login("admin", ADMIN_PASSWORD)
    resp, _ = site.call("GET", "/posts/settings")
    site.call("PATCH", "/posts/settings", demo["settings"],
              {"If-Match": resp.headers["ETag"]})
    author = demo["author"]
    user = {"username": author["username"], "password": AUTHOR_PASSWORD, "role": "author"}
    if author.get("display_name"):
        user["display_name"] = author["display_name"]
    try:
        site.call("POST", "/auth/users", user)
    except urllib.error.HTTPError as e:
        if e.code != 400 or "display_name" not in user:
            raise
        del user["display_name"]    # an Auth without display names
        site.call("POST", "/auth/users", user)
    site.login(author["username"], AUTHOR_PASSWORD)
    ids = {}
    for name, image in demo["images"].items():
        jpeg = os.path.join(work, name + ".jpg")
        subprocess.run(["vips", "thumbnail", os.path.join(HERE, "art", image["file"]),
                        jpeg + "[Q=90]", "1600"], check=True)
        with open(jpeg, "rb") as f:
            _, body = site.call("POST", "/media?alt=" + urllib.parse.quote(image["alt"]),
                                headers={"Content-Type": "image/jpeg"}, raw=f.read())
        ids[name] = body["id"]
    for item, kind in [(p, "post") for p in demo["posts"]] + \
            [(p, "page") for p in demo["pages"]]:
        site.call("POST", "/posts", {
            "title": item["title"], "slug": item["slug"], "excerpt": item["excerpt"],
            "body": item["body"].format(**ids), "tags": item.get("tags", []),
            "kind": kind, "status": "published", "published_at": when(item["days_ago"])})


def photograph(base, out):
    os.makedirs(out, exist_ok=True)
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


def main():
    build, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    work = tempfile.mkdtemp(prefix="quire-shots-")
    os.chmod(work, 0o755)   # the postgres user reaches var/pg
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    env = dict(os.environ, QUIRE_ADMIN_PASSWORD=ADMIN_PASSWORD)
    log = open(os.path.join(work, "stack.log"), "w")
    stack = subprocess.Popen([os.path.join(build, "quire-stack"), "--var",
                              os.path.join(work, "var"), "--port", str(port), "--build",
                              build], env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        wait_healthy(base, stack)
        write_demo(Site(base), work)
        photograph(base, out)
    except Exception:
        log.flush()
        with open(os.path.join(work, "stack.log"), encoding="utf-8", errors="replace") as f:
            sys.stderr.write(f.read()[-4000:])
        raise
    finally:
        os.killpg(stack.pid, signal.SIGINT)
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            stack.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
