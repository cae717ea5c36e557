#!/usr/bin/python3
"""
Browser tests of the writer's desk (admin/): Debian's headless Chromium,
driven by Selenium (python3-selenium, chromium-driver), against the whole
stack (tests/harness: build/quire-stack) behind lighttpd, then Apache.

    /usr/bin/python3 tests/browser/desk.py --build build --axe AXE --out build/browser
        [--web lighttpd|apache] [--only NAME] [--shots DIR] [--keep]

Each scenario makes its own users and posts through the API, so order does
not matter. Every step takes a screenshot; they are kept under
OUT/<web>/<scenario>/ when the scenario fails, and dropped when it passes.
--shots DIR runs only the tour instead: a desk with a few posts and images,
and a screenshot of each screen in DIR as desk-NAME.png (the README's tour: --shots docs).
Ends with "N passed, N failed".
"""

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ADMIN_PASSWORD = "admin-password-for-browser-tests"
USER_PASSWORD = "a-long-enough-password"
WAIT = 20           # seconds any one thing may take to show up
STACK_WAIT = 90     # seconds for the stack to come up


class Failure(AssertionError):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


# --- The stack and the API ------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """build/quire-stack on a free port with a fresh var directory."""

    def __init__(self, build, web, out):
        self.var = tempfile.mkdtemp(prefix="quire-test-browser-")
        os.chmod(self.var, 0o755)      # the postgres user reaches var/pg
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(out, f"stack-{web}.log")
        os.makedirs(out, exist_ok=True)
        self.log = open(self.log_path, "w")
        env = dict(os.environ, QUIRE_ADMIN_PASSWORD=ADMIN_PASSWORD, QUIRE_ADMIN_USER="admin")
        self.proc = subprocess.Popen(
            [os.path.join(build, "quire-stack"), "--var", self.var, "--port", str(self.port),
             "--build", build, "--web", web],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.time() + STACK_WAIT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"quire-stack exited; see {self.log_path}")
            try:
                if all(http("GET", self.base + p)[0] == 200
                       for p in ("/auth/health", "/posts/health", "/media/health")):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the stack did not come up; see {self.log_path}")

    def sanitizer_reports(self):
        logs = os.path.join(self.var, "log")
        return [f for f in os.listdir(logs) if f.startswith("sanitizer")] if os.path.isdir(logs) else []

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def remove(self):
        shutil.rmtree(self.var, ignore_errors=True)


def http(method, url, body=None, token=None, headers=None, raw=None, ctype=None):
    """Returns (status, headers, parsed JSON or None)."""
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    elif raw is not None:
        data = raw
        h["Content-Type"] = ctype
    if token:
        h["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read()
            return r.status, r.headers, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, e.headers, json.loads(text) if text else None
        except ValueError:
            return e.code, e.headers, None


class Api:
    def __init__(self, base):
        self.base = base
        self.admin = self.login("admin", ADMIN_PASSWORD)

    def login(self, name, password=USER_PASSWORD):
        st, _, j = http("POST", self.base + "/auth/login", {"username": name, "password": password})
        check(st == 200, f"login {name}: {st} {j}")
        return j["access_token"]

    def new_user(self, role):
        name = f"{role}-{uuid.uuid4().hex[:10]}"
        st, _, j = http("POST", self.base + "/auth/users",
                        {"username": name, "password": USER_PASSWORD, "role": role}, self.admin)
        check(st == 201, f"create user: {st} {j}")
        return name, self.login(name)

    def call(self, method, path, token, body=None, headers=None, want=200):
        st, h, j = http(method, self.base + path, body, token, headers)
        check(st == want, f"{method} {path}: {st}, wanted {want}: {j}")
        return j, h


# --- The browser ------------------------------------------------------------

def chromium(profile):
    """Starts Chromium with a fresh profile in the folder profile (removed with the stack)."""
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    # As root Chromium needs --no-sandbox; the rest keeps it off the (closed) network.
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
              "--disable-default-apps", "--disable-extensions", "--window-size=1400,900",
              "--user-data-dir=" + profile):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_script_timeout(WAIT)
    return d


class Page:
    """The driver, with the waits and the checks the scenarios share."""

    def __init__(self, driver, base, axe, shots):
        self.d = driver
        self.base = base
        self.axe = axe
        self.shots = shots        # this scenario's screenshot folder
        self.step = 0
        self.tour = None          # --shots: the README's screenshots

    def shot(self, name):
        self.step += 1
        if self.tour:       # no passing message in the README's pictures
            self.js("document.getElementById('status').classList.remove('shown')")
            time.sleep(0.3)
        self.d.save_screenshot(os.path.join(self.shots, f"{self.step:02d}-{name}.png"))
        if self.tour and name in self.tour["want"]:
            self.d.save_screenshot(os.path.join(self.tour["dir"], f"desk-{name}.png"))

    def wait(self, what, cond, timeout=WAIT):
        try:
            # A list drawn again meanwhile leaves stale elements: look again.
            return WebDriverWait(self.d, timeout, poll_frequency=0.05,
                                 ignored_exceptions=[StaleElementReferenceException]).until(
                lambda d: cond())
        except TimeoutException:
            raise Failure(f"timed out waiting for {what}")

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def open(self, hash_=""):
        self.d.get(f"{self.base}/admin/{hash_}")

    def css(self, sel):
        return self.wait(sel, lambda: next(iter(self.d.find_elements(By.CSS_SELECTOR, sel)), None))

    def button(self, text, within="//"):
        xp = f'{within}button[normalize-space()="{text}"]'
        return self.wait(f"button {text}", lambda: next(
            (b for b in self.d.find_elements(By.XPATH, xp) if b.is_displayed() and b.is_enabled()), None))

    def heading(self, text):
        return self.wait(f"heading {text}", lambda: next(
            (e for e in self.d.find_elements(By.XPATH, f'//h1[normalize-space()="{text}"]')), None))

    def text_in(self, sel, text):
        return self.wait(f"{text!r} in {sel}", lambda: any(
            text in e.text for e in self.d.find_elements(By.CSS_SELECTOR, sel)))

    def login(self, name, password=USER_PASSWORD):
        self.open()
        user = self.css("input[name=username]")
        user.send_keys(name)
        self.css("input[name=password]").send_keys(password)
        self.button("Sign in").click()
        self.heading("Posts")

    def axe_scan(self, name):
        """Runs axe-core on the page; fails on a serious or critical violation."""
        if not self.js("return !!window.axe"):
            self.js(self.axe)
        result = self.d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
                .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact,
                    help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))))
                .catch((e) => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));
        """)
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        check(not bad, f"axe on {name}: " + "; ".join(
            f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in bad))

    def ctrl_s(self):
        ActionChains(self.d).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()

    def saved(self):
        self.wait("the post saved", lambda: self.js(
            "const s = document.querySelector('.save-state');"
            "return s && s.dataset.dirty === 'no' && s.textContent.startsWith('Saved');"))

    def drop_image(self, selector, name="photo.png", paste=False):
        """Makes a PNG in the page and drops (or pastes) it on selector, as a DataTransfer."""
        self.d.execute_async_script("""
            const [sel, name, paste, done] = arguments;
            // A small landscape, its colours and sun from the name: other bytes per name.
            const n = [...name].reduce((a, ch) => a * 31 + ch.charCodeAt(0), 7) >>> 0;
            const hue = n % 360, c = document.createElement('canvas');
            c.width = 800; c.height = 500;
            const g = c.getContext('2d');
            const sky = g.createLinearGradient(0, 0, 0, 500);
            sky.addColorStop(0, `hsl(${hue}, 45%, 72%)`); sky.addColorStop(1, `hsl(${(hue + 40) % 360}, 55%, 88%)`);
            g.fillStyle = sky; g.fillRect(0, 0, 800, 500);
            g.fillStyle = 'hsl(40, 90%, 92%)';
            g.beginPath(); g.arc(150 + n % 500, 130, 48, 0, 2 * Math.PI); g.fill();
            for (const [y, l] of [[330, 42], [390, 30]]) {
                g.fillStyle = `hsl(${(hue + 150) % 360}, 25%, ${l}%)`;
                g.beginPath(); g.moveTo(0, y);
                for (let x = 0; x <= 800; x += 40)
                    g.lineTo(x, y - 40 * Math.sin((x + n % 300) / 130));
                g.lineTo(800, 500); g.lineTo(0, 500); g.fill();
            }
            c.toBlob((blob) => {
                const dt = new DataTransfer();
                dt.items.add(new File([blob], name, { type: 'image/png' }));
                const el = document.querySelector(sel);
                el.focus();
                if (paste) {
                    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
                } else {
                    el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
                    el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
                }
                done(true);
            }, 'image/png');
        """, selector, name, paste)

    def no_token_in_storage(self, token_hint=None):
        """No token in any script-readable place: cookies, storage, the URL."""
        found = self.js("""
            const all = [document.cookie, location.href];
            for (const s of [localStorage, sessionStorage])
                for (let i = 0; i < s.length; i++) all.push(s.key(i), s.getItem(s.key(i)));
            return all.join('\\n');
        """)
        check("quire_refresh" not in found, "the refresh cookie is readable by scripts")
        check("eyJ" not in found, "a JWT is in script-readable storage or the URL")


# --- Scenarios --------------------------------------------------------------

def s_login_reload_logout(p, api, web):
    """Log in; a reload keeps the session; no token readable; logout ends it."""
    name, _ = api.new_user("author")
    p.open()
    p.css("input[name=username]")
    p.shot("login")
    p.axe_scan("the login screen")
    p.css("input[name=username]").send_keys(name)
    p.css("input[name=password]").send_keys("wrong password!")
    p.button("Sign in").click()
    p.text_in("#login-error", "Wrong username or password")
    pw = p.css("input[name=password]")
    pw.clear()
    pw.send_keys(USER_PASSWORD + Keys.ENTER)     # the keyboard alone
    p.heading("Posts")
    p.text_in("#who", name)
    p.no_token_in_storage()
    p.d.refresh()
    p.heading("Posts")
    p.text_in("#who", name)
    p.shot("after-reload")
    p.no_token_in_storage()
    p.button("Log out").click()
    p.css("input[name=username]")
    p.d.refresh()
    p.css("input[name=username]")
    p.shot("after-logout")
    check(not p.d.find_elements(By.ID, "nav") or not p.css("#bar").is_displayed(),
          "the bar shows after logout")


def s_write_publish_with_image(p, api, web):
    """Write a post with an image dropped into the editor, preview, save, publish, read it."""
    name, token = api.new_user("author")
    p.login(name)
    p.shot("posts")
    p.axe_scan("the posts list")
    p.css("a.button.primary[href='#/new']").click()
    p.heading("New post")
    title = f"Otters at dawn {uuid.uuid4().hex[:6]}"
    p.css("input[name=title]").send_keys(title)
    p.css("input[name=tags]").send_keys("nature, rivers")
    body = p.css("textarea[name=body]")
    body.send_keys("# Otters\n\nThey float on their backs, *holding hands*.\n\n")
    p.drop_image("textarea[name=body]", "otter.png")
    p.wait("the image's Markdown in the text", lambda: "](media:" in body.get_attribute("value")
           and "Uploading" not in body.get_attribute("value"))
    text = body.get_attribute("value")
    media_id = text.split("](media:")[1].split(")")[0]
    check(len(media_id) == 36, f"a media id in {text!r}")
    body.send_keys(Keys.END, "\nThe end.")
    # The live preview, before any save: Post's rendering of the text (POST /posts/preview),
    # the markup and the image as a variant of Media.
    p.wait("the image in the live preview", lambda: p.js(
        "const i = document.querySelector('.rendered img');"
        "return i && i.complete && i.naturalWidth > 0 && /\\/media\\/[0-9a-f-]+\\/w\\//.test(i.getAttribute('src'))"
        " && i.getAttribute('src').includes(arguments[0]);", media_id))
    p.wait("the markup in the live preview", lambda: p.js(
        "const e = document.querySelector('.rendered em'); return !!e && e.textContent === 'holding hands';"))
    p.text_in(".rendered h1", "Otters")
    p.text_in(".rendered", "The end.")
    check("#/new" in p.d.current_url, "the preview came before any save")
    p.ctrl_s()                                   # Ctrl+S saves
    p.saved()
    p.wait("the address of the saved post", lambda: "#/posts/" in p.d.current_url)
    # The preview: Post's own rendering, with the image as a variant.
    p.wait("the image in the preview", lambda: p.js(
        "const i = document.querySelector('.rendered img');"
        "return i && i.complete && i.naturalWidth > 0 && i.getAttribute('src').includes(arguments[0]);",
        media_id))
    p.text_in(".rendered", "holding hands")
    p.shot("editor")
    p.axe_scan("the editor")
    post_id = p.d.current_url.rsplit("/", 1)[1]
    j, _ = api.call("GET", f"/posts/{post_id}", token)
    check(j["status"] == "draft" and j["title"] == title, f"saved as a draft: {j['status']}")
    check(j["tags"] == ["nature", "rivers"], f"tags {j['tags']}")
    p.button("Publish").click()
    p.text_in(".crumbs .badge", "Published")
    # Anyone reads it now, by its slug.
    st, _, j = http("GET", f"{p.base}/posts/{j['slug']}")
    check(st == 200 and j["status"] == "published", f"GET /posts/slug: {st}")
    check(f"/media/{media_id}/w/" in j["html"] and "holding hands" in j["html"], j["html"])
    check(j["body"].rstrip().endswith("The end."), j["body"])
    # Revisions: listed, compared, one restored into the editor.
    p.button("Revisions").click()
    p.css("dialog .rev-list button")
    p.css("dialog ol.diff, dialog .rev-detail p.muted")
    p.shot("revisions")
    p.axe_scan("the revisions")
    p.css("body").send_keys(Keys.ESCAPE)
    p.wait("the dialog closed", lambda: not p.d.find_elements(By.CSS_SELECTOR, "dialog[open]"))


def s_conflict_412(p, api, web):
    """Someone changes the post meanwhile: both versions shown, the writer chooses."""
    name, token = api.new_user("author")
    post, h = api.call("POST", "/posts", token, {"title": "Shared", "body": "line one\nline two\n"},
                       want=201)
    p.login(name)
    p.open(f"#/posts/{post['id']}")
    body = p.css("textarea[name=body]")
    p.wait("the post in the editor", lambda: "line two" in body.get_attribute("value"))
    body.send_keys(Keys.CONTROL, Keys.END)
    body.send_keys("mine: line three")
    # Meanwhile, through the API, with the ETag of the same version.
    api.call("PATCH", f"/posts/{post['id']}", token, {"body": "line one\ntheirs: line two\n"},
             headers={"If-Match": h["ETag"]})
    p.button("Save draft").click()
    p.css("dialog[open] .versions")
    p.text_in("dialog[open] .versions", "theirs: line two")
    p.text_in("dialog[open] .versions", "mine: line three")
    p.css("dialog[open] ol.diff li.add")
    p.shot("conflict")
    p.axe_scan("the conflict dialog")
    # Nothing was overwritten yet.
    j, _ = api.call("GET", f"/posts/{post['id']}", token)
    check("theirs" in j["body"] and "mine" not in j["body"], j["body"])
    p.button("Keep my version").click()
    p.saved()
    j, _ = api.call("GET", f"/posts/{post['id']}", token)
    check("mine: line three" in j["body"] and j["version"] == 3, f"v{j['version']}: {j['body']!r}")

    # Again, and this time the writer takes the saved version.
    _, h = api.call("GET", f"/posts/{post['id']}", token)
    api.call("PATCH", f"/posts/{post['id']}", token, {"title": "Shared, retitled"},
             headers={"If-Match": h["ETag"]})
    body.send_keys(" and more")
    p.ctrl_s()
    p.button("Use the saved version").click()
    p.wait("the saved version in the editor",
           lambda: p.css("input[name=title]").get_attribute("value") == "Shared, retitled")
    check("and more" not in body.get_attribute("value"), "my text was dropped on request")


def s_unsaved_text_survives(p, api, web):
    """Unsaved edits come back after a reload, offered, not imposed."""
    name, token = api.new_user("author")
    post, _ = api.call("POST", "/posts", token, {"title": "Kept", "body": "saved text"}, want=201)
    p.login(name)
    p.open(f"#/posts/{post['id']}")
    body = p.css("textarea[name=body]")
    p.wait("the post", lambda: body.get_attribute("value") == "saved text")
    body.send_keys(" and unsaved words")
    p.wait("the edit kept in the browser", lambda: p.js(
        "return Object.keys(localStorage).some((k) => k.startsWith('quire.draft.') &&"
        " localStorage.getItem(k).includes('and unsaved words'))"))
    p.d.refresh()
    p.button("Restore my edits")
    p.shot("recover")
    check(p.css("textarea[name=body]").get_attribute("value") == "saved text",
          "the server's version shows until the writer chooses")
    p.button("Restore my edits").click()
    p.wait("the edits back", lambda: p.css("textarea[name=body]").get_attribute("value")
           == "saved text and unsaved words")


def s_keyboard_alone(p, api, web):
    """Sign in, reach every control with Tab (each with a visible focus), write and save."""
    name, token = api.new_user("author")
    p.open()
    p.css("input[name=username]")
    p.wait("focus in the username field", lambda: p.js("return document.activeElement.name") == "username")
    ActionChains(p.d).send_keys(name, Keys.TAB, USER_PASSWORD, Keys.ENTER).perform()
    p.heading("Posts")
    p.css("table.posts, .table-wrap .empty")

    def walk(back, stop):
        """Tabs from the screen's heading; each control reached must show its focus."""
        p.js("document.querySelector('main h1').focus()")
        seen = []
        for _ in range(25):
            if back:
                ActionChains(p.d).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
            else:
                ActionChains(p.d).send_keys(Keys.TAB).perform()
            el = p.js("""
                const e = document.activeElement, st = getComputedStyle(e);
                const label = e.labels && e.labels[0];
                const ring = (s) => s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
                return { text: (label ? label.textContent : e.textContent || e.value || e.tagName).trim(),
                         tag: e.tagName, ring: ring(st) || (label && ring(getComputedStyle(label))) };
            """)
            if el["tag"] in ("BODY", "HTML"):
                break
            check(el["ring"], f"no visible focus on {el}")
            seen.append(el["text"])
            if el["text"] == stop:
                break
        return seen

    back = walk(True, "Skip to content")
    check(back[:5] == ["Log out", "Account", "Media", "Posts", "Skip to content"], f"Shift+Tab: {back}")
    ahead = walk(False, "Search")
    check(ahead[0] == "New post" and "All" in ahead and "Search" in ahead, f"Tab: {ahead}")
    p.js("document.querySelector('main h1').focus()")
    ActionChains(p.d).send_keys(Keys.TAB, Keys.ENTER).perform()      # "New post"
    p.heading("New post")
    p.wait("focus on the screen", lambda: p.js("return document.activeElement.tagName") == "H1")
    ActionChains(p.d).send_keys(Keys.TAB, Keys.TAB).perform()        # past "All posts", to the actions
    for _ in range(12):
        if p.js("return document.activeElement.name") == "title":
            break
        ActionChains(p.d).send_keys(Keys.TAB).perform()
    check(p.js("return document.activeElement.name") == "title", "Tab reaches the title")
    ActionChains(p.d).send_keys("Typed with keys only").perform()
    p.ctrl_s()
    p.saved()
    j, _ = api.call("GET", "/posts?status=draft", token)
    check([i["title"] for i in j["items"]] == ["Typed with keys only"], f"{j['items']}")


def s_account(p, api, web):
    """Change one's own password (the session goes on), then log out everywhere."""
    name, token = api.new_user("author")
    p.login(name)
    p.d.find_element(By.LINK_TEXT, "Account").click()
    p.heading("Account")
    fields = p.d.find_elements(By.CSS_SELECTOR, "form.stack-form input[type=password]")
    new = "another-long-password"
    for f, text in zip(fields, (USER_PASSWORD, new, new)):
        f.send_keys(text)
    p.button("Change password").click()
    p.text_in("#status", "Password changed")
    p.d.refresh()
    p.heading("Account")                         # still signed in, with the new password's session
    api.login(name, new)
    other = http("POST", p.base + "/auth/login", {"username": name, "password": new})[2]["refresh_token"]
    p.button("Log out everywhere").click()
    p.button("Log out everywhere", "//dialog//").click()
    p.css("input[name=username]")
    p.d.refresh()
    p.css("input[name=username]")
    st, _, _ = http("POST", p.base + "/auth/refresh", {"refresh_token": other})
    check(st == 401, f"another session of the user survived: {st}")


def s_display_name(p, api, web):
    """Set one's display name on the Account screen: the post page shows it at once."""
    name, token = api.new_user("author")
    j, _ = api.call("POST", "/posts", token, {"title": "Named", "body": "Text.", "status": "published"},
                    want=201)
    page = p.base + "/" + j["slug"] + "/"

    def post_page():
        with urllib.request.urlopen(page, timeout=30) as r:
            return r.read().decode()
    check("Ada Quill" not in post_page(), "the name shown before it was set")
    p.login(name)
    p.d.find_element(By.LINK_TEXT, "Account").click()
    p.heading("Account")
    field = p.d.find_element(By.XPATH, "//label[text()='Display name']/following-sibling::input")
    field.send_keys("  Ada Quill ")
    p.button("Save display name").click()
    p.text_in("#status", "Ada Quill")
    me, _ = api.call("GET", "/auth/me", api.login(name))
    check(me["display_name"] == "Ada Quill", f"display name: {me}")
    check("Ada Quill" in post_page(), "the post page does not show the new name")
    p.d.refresh()
    p.heading("Account")
    field = p.d.find_element(By.XPATH, "//label[text()='Display name']/following-sibling::input")
    check(field.get_attribute("value") == "Ada Quill", "the field does not show the saved name")


def s_author_cannot_manage_users(p, api, web):
    """An author sees neither Users nor Settings, and cannot open them by their address."""
    name, token = api.new_user("author")
    p.login(name)
    links = [a.text for a in p.d.find_elements(By.CSS_SELECTOR, "#nav a")]
    check("Users" not in links and "Settings" not in links, f"nav: {links}")
    p.open("#/users")
    p.heading("Not for your role")
    check(not p.d.find_elements(By.CSS_SELECTOR, "table.users"), "a user list shown to an author")
    p.shot("no-users")
    p.open("#/settings")
    p.d.refresh()
    p.heading("Not for your role")
    check(not p.d.find_elements(By.CSS_SELECTOR, "form.settings-form, input[name=title]"),
          "the settings form shown to an author")
    p.shot("no-settings")
    # Nor through the API: the settings are the admins'.
    st, _, j = http("PATCH", p.base + "/posts/settings", {"title": "Mine now"}, token,
                    {"If-Match": "*"})
    check(st == 403 and j["error"]["code"] == "forbidden", f"PATCH /posts/settings as an author: {st}")


def s_markup_shows_as_text(p, api, web):
    """Titles, tags and alt texts holding markup show as text; nothing runs."""
    name, token = api.new_user("editor")
    evil_title = '<img src=x onerror="window.__pwned=1">Evil <b>title</b>'
    evil_tag = "<script>window.__pwned=2</script>"
    evil_alt = '"><svg onload="window.__pwned=3">'
    api.call("POST", "/posts", token, {"title": evil_title, "body": "x", "tags": [evil_tag]},
             want=201)
    st, _, item = http("POST", f"{p.base}/media?alt=" + urllib.parse.quote(evil_alt),
                       raw=base64.b64decode(PNG_1x1), ctype="image/png", token=token)
    check(st in (200, 201), f"upload: {st} {item}")
    p.login(name)
    p.text_in("table.posts", evil_title)
    p.text_in("table.posts", evil_tag)
    check(not p.d.find_elements(By.CSS_SELECTOR, "table.posts img, table.posts b, table.posts script"),
          "markup in a title or tag became elements")
    p.open("#/media")
    p.heading("Media")
    p.wait("the alt text in its field", lambda: any(
        i.get_attribute("value") == evil_alt for i in p.d.find_elements(By.CSS_SELECTOR, ".card input")))
    check(not p.d.find_elements(By.CSS_SELECTOR, ".grid svg"), "markup in an alt text became elements")
    p.open("#/posts")
    p.heading("Posts")
    check(p.js("return window.__pwned === undefined"), "markup ran as script")


def s_media_library(p, api, web):
    """Upload by picker and by paste, a refused file, alt text in place, delete."""
    name, token = api.new_user("author")
    p.login(name)
    p.open("#/media")
    p.heading("Media")
    tmp = tempfile.mkdtemp(prefix="quire-upload-")
    good = os.path.join(tmp, "pixel.png")
    with open(good, "wb") as f:
        f.write(base64.b64decode(PNG_1x1))
    fake = os.path.join(tmp, "notes.png")        # a .png that is text
    with open(fake, "w") as f:
        f.write("not an image at all\n")
    picker = p.css(".dropzone input[type=file]")
    picker.send_keys(good + "\n" + fake)
    p.text_in(".uploads .refused", "not an image Quire takes")
    p.wait("one image in the grid", lambda: len(p.d.find_elements(By.CSS_SELECTOR, ".grid .card")) == 1)
    p.drop_image(".dropzone", "dropped.png")
    p.wait("two images in the grid", lambda: len(p.d.find_elements(By.CSS_SELECTOR, ".grid .card")) == 2)
    p.drop_image("body", "pasted.png", paste=True)
    p.wait("three images in the grid", lambda: len(p.d.find_elements(By.CSS_SELECTOR, ".grid .card")) == 3)
    p.wait("the thumbnails loaded", lambda: p.js(
        "return [...document.querySelectorAll('.grid img')].every((i) => i.complete && i.naturalWidth > 0)"))
    check(all("/w/320." in i.get_attribute("src") or "/original" in i.get_attribute("src")
              for i in p.d.find_elements(By.CSS_SELECTOR, ".grid img")), "thumbnails are the 320-px variants")
    alt = p.css(".grid .card input")
    alt.send_keys("a quiet river" + Keys.ENTER)
    p.text_in(".grid .card .alt-state", "Saved")
    p.shot("media")
    p.axe_scan("the media library")
    items, _ = api.call("GET", "/media?per_page=10", token)
    check(items["total"] == 3 and "a quiet river" in [i["alt"] for i in items["items"]],
          f"alt saved: {[i['alt'] for i in items['items']]}")
    p.css(".grid .card button.danger").click()
    p.button("Delete image").click()
    p.wait("two images left", lambda: len(p.d.find_elements(By.CSS_SELECTOR, ".grid .card")) == 2)
    shutil.rmtree(tmp)


def s_admin_screens(p, api, web):
    """Users (create, role, disable), account, settings: each usable and scanned."""
    name, _ = api.new_user("admin")
    p.login(name)
    p.d.find_element(By.LINK_TEXT, "Users").click()
    p.heading("Users")
    newbie = f"newbie-{uuid.uuid4().hex[:8]}"
    form = p.css("form.inline-form")
    inputs = form.find_elements(By.CSS_SELECTOR, "input")
    inputs[0].send_keys(newbie)
    inputs[1].send_keys(USER_PASSWORD)
    inputs[2].send_keys("New <b>Bie</b>")
    p.button("Create user").click()
    p.text_in("table.users", newbie)
    check(any(u["username"] == newbie and u["display_name"] == "New <b>Bie</b>" for u in
              api.call("GET", "/auth/users?per_page=100", api.admin)[0]["items"]), "the display name given")
    row = f'//tr[th/span[text()="{newbie}"]]'
    idle = lambda: not p.d.find_elements(By.CSS_SELECTOR, ".table-wrap[aria-busy]")
    p.wait("the list drawn", idle)
    Select(p.d.find_element(By.XPATH, row + "//select")).select_by_value("editor")
    p.wait("the list drawn again", lambda: idle() and p.d.find_element(
        By.XPATH, row + "//select").get_attribute("value") == "editor")
    check(any(u["username"] == newbie and u["role"] == "editor" for u in
              api.call("GET", "/auth/users?per_page=100", api.admin)[0]["items"]), "the role changed")
    p.button("Disable", row + "//").click()
    p.wait("the user disabled", lambda: idle() and any(
        "Disabled" in e.text for e in p.d.find_elements(By.XPATH, row)))
    p.shot("users")
    p.axe_scan("the users screen")
    p.d.find_element(By.LINK_TEXT, "Account").click()
    p.heading("Account")
    p.shot("account")
    p.axe_scan("the account screen")
    p.d.find_element(By.LINK_TEXT, "Settings").click()
    p.heading("Site settings")
    p.css("form.settings-form input[name=title]")
    p.shot("settings")
    p.axe_scan("the settings screen")


def settings_field(p, name):
    return p.css(f"form.settings-form [name={name}]")


def set_value(el, text):
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.DELETE)
    if text:
        el.send_keys(text)


def nav_rows(p):
    return [(li.find_element(By.CSS_SELECTOR, ".nav-label").get_attribute("value"),
             li.find_element(By.CSS_SELECTOR, ".nav-url").get_attribute("value"))
            for li in p.d.find_elements(By.CSS_SELECTOR, "ol.nav-links > li")]


def nav_button(p, verb, n):
    return p.css(f'ol.nav-links button[aria-label="{verb} link {n}"]')


def s_site_settings(p, api, web):
    """An admin edits the site settings: saved, kept after a reload, on the reader site; errors by their fields; 412."""
    name, token = api.new_user("admin")
    p.login(name)
    p.d.find_element(By.LINK_TEXT, "Settings").click()
    p.heading("Site settings")
    title = f"Field notes {uuid.uuid4().hex[:6]}"
    set_value(settings_field(p, "title"), title)
    set_value(settings_field(p, "description"), "Walks, rivers and the odd heron.")
    set_value(settings_field(p, "language"), "en-GB")
    set_value(settings_field(p, "posts_per_page"), "7")
    for _ in nav_rows(p):                       # whatever links there are go
        nav_button(p, "Remove", 1).click()
    check(nav_rows(p) == [], f"links left: {nav_rows(p)}")
    for label, url in (("About", "/about/"), ("Scratch", "/scratch/"), ("Archive", "https://example.org/archive")):
        p.button("Add link").click()
        row = p.d.find_elements(By.CSS_SELECTOR, "ol.nav-links > li")[-1]
        check(p.js("return document.activeElement.classList.contains('nav-label')"), "focus in the new link's label")
        row.find_element(By.CSS_SELECTOR, ".nav-label").send_keys(label)
        row.find_element(By.CSS_SELECTOR, ".nav-url").send_keys(url)
    nav_button(p, "Remove", 2).click()           # Scratch goes
    nav_button(p, "Move up", 2).click()          # Archive before About
    want_nav = [("Archive", "https://example.org/archive"), ("About", "/about/")]
    check(nav_rows(p) == want_nav, f"links in the form: {nav_rows(p)}")
    p.shot("settings-edited")
    p.axe_scan("the settings screen")
    p.button("Save settings").click()
    p.text_in("#status", "Settings saved")
    j, _ = api.call("GET", "/posts/settings", None)
    check(j["title"] == title and j["description"] == "Walks, rivers and the odd heron." and
          j["language"] == "en-GB" and j["posts_per_page"] == 7, f"saved: {j}")
    check([(l["label"], l["url"]) for l in j["navigation"]] == want_nav, f"saved links: {j['navigation']}")
    # After a reload, the form shows what was saved.
    p.d.refresh()
    p.heading("Site settings")
    p.wait("the saved title in the form", lambda: settings_field(p, "title").get_attribute("value") == title)
    check(settings_field(p, "language").get_attribute("value") == "en-GB", "language after reload")
    check(settings_field(p, "posts_per_page").get_attribute("value") == "7", "posts per page after reload")
    check(nav_rows(p) == want_nav, f"links after reload: {nav_rows(p)}")
    # The reader site's home page carries them.
    st, home = reader_page(p.base + "/")
    check(st == 200 and f"<title>{title}" in home and 'lang="en-GB"' in home and
          "https://example.org/archive" in home, f"home page: {st} {home[:300]!r}")

    # The API's refusals show beside the field they name, and nothing is saved.
    set_value(settings_field(p, "language"), "not a language")
    p.button("Save settings").click()
    lang_err = p.css("form.settings-form [name=language] ~ .field-error")
    p.wait("the language error beside its field", lambda: lang_err.text.startswith("The language is a BCP 47"))
    check(settings_field(p, "language").get_attribute("aria-invalid") == "true", "language marked invalid")
    check(p.js("return document.activeElement.name") == "language", "focus on the refused field")
    set_value(settings_field(p, "language"), "en-GB")
    row = p.d.find_elements(By.CSS_SELECTOR, "ol.nav-links > li")[1]
    set_value(row.find_element(By.CSS_SELECTOR, ".nav-url"), "javascript:alert(1)")
    p.button("Save settings").click()
    p.wait("the link's error beside it", lambda: row.find_element(
        By.CSS_SELECTOR, ".field-error").text.startswith("The address is a path of this site"))
    check(row.find_element(By.CSS_SELECTOR, ".nav-url").get_attribute("aria-invalid") == "true",
          "the link's address marked invalid")
    check(lang_err.text == "", "the earlier error went")
    p.shot("settings-errors")
    j, _ = api.call("GET", "/posts/settings", None)
    check([(l["label"], l["url"]) for l in j["navigation"]] == want_nav, "a refused change saved nothing")
    set_value(row.find_element(By.CSS_SELECTOR, ".nav-url"), "/about/")

    # Someone else saves meanwhile: 412, both versions shown, the admin chooses.
    _, h = api.call("GET", "/posts/settings", None)
    api.call("PATCH", "/posts/settings", token, {"title": "Theirs, meanwhile"}, headers={"If-Match": h["ETag"]})
    set_value(settings_field(p, "title"), "Mine, meanwhile")
    p.button("Save settings").click()
    p.css("dialog[open] table.settings-diff")
    p.text_in("dialog[open] table.settings-diff", "Theirs, meanwhile")
    p.text_in("dialog[open] table.settings-diff", "Mine, meanwhile")
    p.shot("settings-conflict")
    p.axe_scan("the settings conflict dialog")
    j, _ = api.call("GET", "/posts/settings", None)
    check(j["title"] == "Theirs, meanwhile", "nothing overwritten before the choice")
    p.button("Load the saved settings").click()
    p.wait("their title in the form",
           lambda: settings_field(p, "title").get_attribute("value") == "Theirs, meanwhile")
    # Again, keeping mine this time.
    _, h = api.call("GET", "/posts/settings", None)
    api.call("PATCH", "/posts/settings", token, {"description": "Theirs again"}, headers={"If-Match": h["ETag"]})
    set_value(settings_field(p, "title"), "Mine after all")
    p.button("Save settings").click()
    p.button("Keep my version").click()
    p.text_in("#status", "Settings saved")
    j, _ = api.call("GET", "/posts/settings", None)
    check(j["title"] == "Mine after all" and j["description"] == "Theirs again",
          f"mine kept, theirs where I changed nothing: {j}")


def reader_page(url):
    """GETs a reader page: (status, text)."""
    req = urllib.request.Request(url, headers={"Accept": "text/html"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def s_kind(p, api, web):
    """A page: kind chosen in the editor, saved, loaded again; the list shows pages apart."""
    name, token = api.new_user("author")
    p.login(name)
    p.css("a.button.primary[href='#/new']").click()
    p.heading("New post")
    title = f"About this site {uuid.uuid4().hex[:6]}"
    p.css("input[name=title]").send_keys(title)
    Select(p.css("select[name=kind]")).select_by_value("page")
    p.css("textarea[name=body]").send_keys("Who writes here, and why.")
    p.ctrl_s()
    p.saved()
    p.wait("the address of the saved page", lambda: "#/posts/" in p.d.current_url)
    post_id = p.d.current_url.rsplit("/", 1)[1]
    j, _ = api.call("GET", f"/posts/{post_id}", token)
    check(j["kind"] == "page", f"saved as {j['kind']}")
    p.d.refresh()
    p.wait("the kind loaded with the page", lambda: p.css("select[name=kind]").get_attribute("value") == "page"
           and p.css("input[name=title]").get_attribute("value") == title)
    # Back to a post, and to a page again: each change saved.
    Select(p.css("select[name=kind]")).select_by_value("post")
    p.ctrl_s()
    p.saved()
    check(api.call("GET", f"/posts/{post_id}", token)[0]["kind"] == "post", "kind post saved")
    Select(p.css("select[name=kind]")).select_by_value("page")
    p.ctrl_s()
    p.saved()
    check(api.call("GET", f"/posts/{post_id}", token)[0]["kind"] == "page", "kind page saved")
    api.call("POST", "/posts", token, {"title": "An ordinary post", "body": "x"}, want=201)
    p.open("#/posts")
    p.heading("Posts")
    p.text_in("table.posts", "An ordinary post")
    check(title not in p.css("table.posts").text, "a page among the posts")
    p.css("label[for]")
    p.d.find_element(By.XPATH, '//fieldset[legend="Kind"]//label[normalize-space()="Pages"]').click()
    p.text_in("table.posts", title)
    p.text_in("table.posts .badge.page", "Page")
    check("An ordinary post" not in p.css("table.posts").text, "a post among the pages")
    p.text_in(".count", "1 page")
    p.shot("pages")
    p.axe_scan("the list of pages")


def s_tour(p, api, web):
    """The README's screenshots: a desk with a few posts and images (--shots only)."""
    name = "eleanor"
    http("POST", p.base + "/auth/users", {"username": name, "password": USER_PASSWORD, "role": "admin"},
         api.admin)
    token = api.login(name)
    for user in ("maria", "tom.writes", "jun"):
        http("POST", p.base + "/auth/users", {"username": user, "password": USER_PASSWORD,
             "role": "author" if user != "maria" else "editor"}, api.admin)
    posts = [
        ("Notes from the river path", ["walks", "nature"], "published", None),
        ("Why I write by hand first", ["writing"], "published", None),
        ("A small kitchen, a long table", ["food", "home"], "scheduled", 3),
        ("Reading list for the winter", ["books"], "draft", None),
        ("The otters came back", ["nature"], "draft", None),
    ]
    for title, tags, status, days in posts:
        body = {"title": title, "body": f"# {title}\n\nSome words about it.", "tags": tags,
                "status": status}
        if days:
            body["published_at"] = time.strftime("%Y-%m-%dT09:00:00Z", time.gmtime(time.time() + days * 86400))
        api.call("POST", "/posts", token, body, want=201)
    p.login(name)
    p.open("#/media")
    p.heading("Media")
    for i, (n, alt) in enumerate([("heron.png", "A heron standing in the shallows"),
                                  ("table.png", "A long table laid for eight"),
                                  ("books.png", "A stack of paperbacks by a window")]):
        p.drop_image(".dropzone", n)
        p.wait("the image", lambda: len(p.d.find_elements(By.CSS_SELECTOR, ".grid .card")) == i + 1)
        field = p.css(".grid .card input")
        field.send_keys(alt + Keys.ENTER)
        p.text_in(".grid .card .alt-state", "Saved")
    p.open("#/posts")
    p.heading("Posts")
    p.css("table.posts")
    p.shot("posts")
    items, _ = api.call("GET", "/media?per_page=10", token)
    heron = next(i for i in items["items"] if i["alt"].startswith("A heron"))
    j, _ = api.call("POST", "/posts", token, {
        "title": "Herons at first light", "tags": ["nature", "birds"],
        "body": "The heron stands where the river slows, and waits.\n\n"
                f"![{heron['alt']}](media:{heron['id']})\n\n"
                "## What it waits for\n\nNobody knows quite what a heron thinks about. "
                "It stands *very* still, for a long time, and then it is gone.\n\n"
                "- a grey shape in the reeds\n- a slow wingbeat\n- the water closing again\n"}, want=201)
    p.open(f"#/posts/{j['id']}")
    p.wait("the image in the preview", lambda: p.js(
        "const i = document.querySelector('.rendered img'); return i && i.complete && i.naturalWidth > 0;"))
    body = p.css("textarea[name=body]")
    body.send_keys(Keys.CONTROL, Keys.END)
    body.send_keys("\nA last line, not saved yet.")
    p.js("window.scrollTo(0, 0)")
    p.shot("editor")
    p.open("#/media")
    p.heading("Media")
    p.wait("thumbnails", lambda: p.js(
        "return [...document.querySelectorAll('.grid img')].every((i) => i.complete && i.naturalWidth > 0)"))
    p.shot("media")
    p.open("#/users")
    p.heading("Users")
    p.css("table.users")
    p.shot("users")
    _, h = api.call("GET", "/posts/settings", None)
    api.call("PATCH", "/posts/settings", token, {
        "title": "Field notes", "description": "Walks, rivers, kitchens and books: notes from a slow year.",
        "language": "en-GB", "posts_per_page": 8,
        "navigation": [{"label": "About", "url": "/about/"}, {"label": "Walks", "url": "/tag/walks/"},
                       {"label": "Newsletter", "url": "https://letters.example.org/field-notes"}]},
        headers={"If-Match": h["ETag"]})
    p.open("#/settings")
    p.heading("Site settings")
    p.wait("the settings in the form",
           lambda: settings_field(p, "title").get_attribute("value") == "Field notes")
    p.shot("settings")
    p.button("Log out").click()
    p.css("input[name=username]")
    p.shot("login")


PNG_1x1 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")

SCENARIOS = [
    s_login_reload_logout,
    s_write_publish_with_image,
    s_conflict_412,
    s_unsaved_text_survives,
    s_keyboard_alone,
    s_account,
    s_display_name,
    s_author_cannot_manage_users,
    s_markup_shows_as_text,
    s_media_library,
    s_admin_screens,
    s_site_settings,
    s_kind,
]


def run_web(args, web, axe):
    out = os.path.join(args.out, web)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    passed = failed = 0
    start = time.time()
    stack = Stack(os.path.abspath(args.build), web, out)
    driver = None
    try:
        api = Api(stack.base)
        driver = chromium(os.path.join(stack.var, "chromium"))
        print(f"== browser tests behind {web} ({stack.base}, stack up in {time.time() - start:.1f} s)",
              flush=True)
        for scenario in ([s_tour] if args.shots else SCENARIOS):
            name = scenario.__name__[2:]
            if args.only and args.only != name:
                continue
            shots = os.path.join(out, name)
            os.makedirs(shots)
            page = Page(driver, stack.base, axe, shots)
            if args.shots:
                page.tour = {"dir": args.shots,
                             "want": {"login", "posts", "editor", "media", "users", "settings"}}
            t = time.time()
            try:
                # A fresh browser state: the refresh cookie (Path=/auth, which
                # WebDriver's own cookie calls cannot see from /admin/) and storage.
                driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
                page.open()
                driver.execute_script("localStorage.clear(); sessionStorage.clear();")
                scenario(page, api, web)
            except Exception as e:      # a failed check, or the browser's own error
                failed += 1
                try:
                    page.shot("failed")
                except Exception:
                    pass
                print(f"FAIL {web} {name} ({time.time() - t:.1f} s): {str(e).splitlines()[0]}",
                      flush=True)
                for el in driver.find_elements(By.CSS_SELECTOR, ".error, .refused, #status"):
                    if el.text:
                        print(f"  on the page: {el.text}")
                if not isinstance(e, Failure):
                    print("".join(l for l in traceback.format_tb(e.__traceback__)
                                  if "desk.py" in l))
                for entry in driver.get_log("browser"):
                    print(f"  console: {entry['level']} {entry['message']}")
                print(f"  screenshots of each step: {shots}")
                continue
            passed += 1
            if not args.keep:
                shutil.rmtree(shots)
            print(f"ok   {web} {name} ({time.time() - t:.1f} s)", flush=True)
    finally:
        if driver:
            driver.quit()
        stack.stop()
        reports = stack.sanitizer_reports()
        if reports:
            failed += 1
            print(f"FAIL {web}: sanitizer reports {reports} in {stack.var}/log")
        else:
            stack.remove()
    print(f"== behind {web}: {time.time() - start:.1f} s", flush=True)
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--axe", required=True)
    ap.add_argument("--out", default="build/browser")
    ap.add_argument("--web", choices=("lighttpd", "apache"))
    ap.add_argument("--only")
    ap.add_argument("--shots")
    ap.add_argument("--keep", action="store_true", help="keep every step's screenshots")
    args = ap.parse_args()
    with open(args.axe) as f:
        axe = f.read()
    if args.shots:
        os.makedirs(args.shots, exist_ok=True)
    passed = failed = 0
    start = time.time()
    for web in ([args.web] if args.web else ["lighttpd", "apache"]):
        p, f = run_web(args, web, axe)
        passed += p
        failed += f
    print(f"browser tests: {time.time() - start:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
