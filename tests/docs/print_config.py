#!/usr/bin/python3
r"""Each built program's --print-config, run as a package user would, on a
bare build: no configuration file, no keys, no database, no socket.

For every program (fcgi/NAME/ -> BUILD/quire-NAME):
- it exits 0 with nothing on stderr, the same with $QUIRE_CONFIG naming a
  file that does not exist (without --config it shows the defaults);
- every line has the documented form (key_tables.py); each key is shown
  once; the keys every program reads ([*]) come first, the same ones in the
  same order in every program, then the program's own ([NAME]), none named
  as a shared one; an int's default lies in its range;
- a known key shows its default and range: quire-post's
  [post] render_budget int 2000 50..60000, and every program's
  [*] database str required;
- with --config naming a file that sets every key shown, in the program's
  section, to the value shown (a required one to a string with a quote and
  a backslash), it prints exactly that: every key shown is one the program
  reads (an unknown one would stop it), every default shown is one the
  program accepts, and the file's values are what it shows;
- a file with a key the program does not read is refused (exit 1, the key
  named, nothing printed); --print-config with --listen is a usage error
  (exit 2).

    tests/docs/print_config.py BUILD [CHECKOUT]
"""
import os
import sys
import tempfile

import key_tables
from key_tables import SHARED

KNOWN = {
    "post": ["[post] render_budget int 2000 50..60000"],
}
EVERY = ["[*] database str required"]
VALUE = 'a "quoted" \\ value'  # what the file sets a required string key to


def check_program(build, name, tmp, problems):
    """Checks quire-NAME --print-config. Returns its Keys, or None."""
    def fail(msg):
        problems.append("quire-%s --print-config: %s" % (name, msg))

    rc, out, err = key_tables.run(build, name)
    if rc != 0 or err:
        fail("exit %d: %s" % (rc, err.strip()))
        return None
    os.environ["QUIRE_CONFIG"] = os.path.join(tmp, "nonexistent.conf")
    try:
        rc2, out2, err2 = key_tables.run(build, name)
    finally:
        del os.environ["QUIRE_CONFIG"]
    if (rc2, out2, err2) != (rc, out, err):
        fail("with QUIRE_CONFIG set it answers otherwise (exit %d): %s" % (rc2, err2.strip()))
    try:
        keys = key_tables.parse(out)
    except key_tables.FormatError as e:
        fail(str(e))
        return None
    lines = out.splitlines()
    for want in EVERY + KNOWN.get(name, []):
        if want not in lines:
            fail("no line %r" % want)
    seen, own_started = set(), False
    shared = {k.name for k in keys if k.section == SHARED}
    for k in keys:
        if (k.section, k.name) in seen:
            fail("[%s] %s is shown twice" % (k.section, k.name))
        seen.add((k.section, k.name))
        if k.section not in (SHARED, name):
            fail("[%s] %s: not its own section, nor [*]" % (k.section, k.name))
        if k.section == name:
            own_started = True
            if k.name in shared:
                fail("[%s] %s is also a key every program reads" % (name, k.name))
        elif own_started:
            fail("[*] %s comes after the program's own keys" % k.name)
        if k.type == "int" and k.default is not None and not k.min <= k.default <= k.max:
            fail("%s: the default %d is out of its range %d..%d" %
                 (k.name, k.default, k.min, k.max))
    if not shared or not own_started:
        fail("shows no shared keys or none of its own")

    # The file sets every key shown; the program shows the file back.
    conf = os.path.join(tmp, name + ".conf")
    want = []
    with open(conf, "w", encoding="utf-8") as f:
        f.write("[%s]\n" % name)
        for k, line in zip(keys, lines):
            if k.default is not None:
                value = {"str": k.default, "int": str(k.default), "bool": k.default}[k.type]
                want.append(line)
            else:
                value = {"str": VALUE, "int": str(k.min), "bool": "yes"}[k.type]
                shown = '"%s"' % VALUE.replace("\\", "\\\\").replace('"', '\\"') \
                    if k.type == "str" else value
                want.append(line.replace(" required", " " + shown, 1))
            f.write("%s = %s\n" % (k.name, value))
    rc, out, err = key_tables.run(build, name, "--config", conf)
    if rc != 0 or err:
        fail("--config with every key set: exit %d: %s" % (rc, err.strip()))
    elif out.splitlines() != want:
        fail("--config with every key set shows %r, not %r" % (out, "\n".join(want)))
    with open(conf, "a", encoding="utf-8") as f:
        f.write("no_such_key = 1\n")
    rc, out, err = key_tables.run(build, name, "--config", conf)
    if rc != 1 or out or "no_such_key" not in err:
        fail("--config with an unknown key: exit %d, %r on stderr, %d byte(s) out" %
             (rc, err.strip(), len(out)))
    rc, out, err = key_tables.run(build, name, "--listen", "127.0.0.1:1")
    if rc != 2 or out:
        fail("with --listen: exit %d (want 2, the usage)" % rc)
    return keys


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.rsplit("\n\n", 1)[-1].strip())
    build = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else "."
    problems, tables = [], {}
    names = key_tables.programs(root)
    with tempfile.TemporaryDirectory(prefix="quire-test-") as tmp:
        for name in names:
            keys = check_program(build, name, tmp, problems)
            if keys is not None:
                tables[name] = [k.name for k in keys if k.section == SHARED]
    if len(set(map(tuple, tables.values()))) > 1:
        problems.append("the programs show different shared keys: %s" % tables)
    if not names:
        problems.append("no programs under %s/fcgi/" % root)
    for p in problems:
        print("FAIL: " + p)
    print("--print-config of %d program(s): %s" % (
        len(names), "%d problem(s)" % len(problems) if problems else
        "every key once, in the documented form, the file's values with --config"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
