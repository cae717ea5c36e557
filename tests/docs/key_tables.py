r"""The programs' key tables, as the built programs print them.

`quire-NAME --print-config` prints every key the program reads, one line
each (quire.conf(5), KEY TABLES):

    [*] token_leeway int 30 0..600          a key every program reads
    [post] public_url str required          the program's own keys
    [post] feed_title str "Quire"           (strings quoted, \\ and \" escaped)
    [media] x_sendfile bool yes

Used by config_keys.py and print_config.py.
"""
import collections
import glob
import os
import re
import subprocess

SHARED = "*"  # the marker of the keys every program reads

Key = collections.namedtuple("Key", "section name type default min max")
Key.__doc__ = """One key: its section (SHARED or the program's name), name, type
(str, int, bool), default (None: required; a str, an int, or "yes"/"no") and,
for an int, its range."""

LINE = re.compile(r'\[(\*|[a-z0-9_]+)\] ([a-z0-9_]+) '
                  r'(?:(str) (required|"(?:[^"\\]|\\.)*")'
                  r'|(int) (required|-?\d+) (-?\d+)\.\.(-?\d+)'
                  r'|(bool) (required|yes|no))')


class FormatError(Exception):
    """A line of --print-config that does not have the documented form."""


def programs(root):
    """Returns the names of the programs of a checkout (fcgi/NAME/)."""
    return sorted(os.path.basename(os.path.dirname(p))
                  for p in glob.glob(os.path.join(root, "fcgi", "*", "main.c")))


def run(build, name, *args):
    """Runs BUILD/quire-NAME --print-config ARGS without a configuration in its
    environment. Returns (exit status, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if k != "QUIRE_CONFIG"}
    p = subprocess.run([os.path.join(build, "quire-" + name), "--print-config"] + list(args),
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def unquote(s):
    """Returns the text of a quoted string of --print-config."""
    return re.sub(r'\\(.)', r'\1', s[1:-1])


def parse(text):
    """Returns the Keys of --print-config's output, in order. Raises
    FormatError naming the first line not of the documented form."""
    keys = []
    if text and not text.endswith("\n"):
        raise FormatError("the last line is not whole: %r" % text.rsplit("\n", 1)[-1])
    for line in text.splitlines():
        m = LINE.fullmatch(line)
        if not m:
            raise FormatError("not [SECTION] NAME TYPE VALUE [MIN..MAX]: %r" % line)
        section, name = m.group(1), m.group(2)
        if m.group(3):
            v = m.group(4)
            keys.append(Key(section, name, "str", None if v == "required" else unquote(v),
                            None, None))
        elif m.group(5):
            v = m.group(6)
            keys.append(Key(section, name, "int", None if v == "required" else int(v),
                            int(m.group(7)), int(m.group(8))))
        else:
            v = m.group(10)
            keys.append(Key(section, name, "bool", None if v == "required" else v, None, None))
    return keys


def tables(build, root):
    """Returns {program: [Key, ...]} from each program's --print-config, or
    raises RuntimeError saying which program failed and how."""
    out = {}
    for name in programs(root):
        rc, stdout, stderr = run(build, name)
        if rc != 0 or stderr:
            raise RuntimeError("quire-%s --print-config: exit %d: %s" % (name, rc, stderr.strip()))
        try:
            out[name] = parse(stdout)
        except FormatError as e:
            raise RuntimeError("quire-%s --print-config: %s" % (name, e)) from None
    if not out:
        raise RuntimeError("no programs under %s/fcgi/" % root)
    return out


def shown(key):
    """Returns a key's default as quire.conf(5) and the sample write it
    (None for a required key; "" for an empty string)."""
    return None if key.default is None else str(key.default)
