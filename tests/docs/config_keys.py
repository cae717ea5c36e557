#!/usr/bin/python3
r"""Every setting of the programs is documented where a user looks, and
nothing is documented that no program reads.

The key tables are the built programs' own (BUILD/quire-NAME --print-config,
see key_tables.py): the keys every program reads ([*]) and each program's
([NAME]). Checks that
- each key is described (.TP) in packaging/man/quire.conf.5, a shared key
  under EVERY PROGRAM, a program's own under its [NAME]: with the code's
  default, or (required) when it has none; a number with its range
  (MIN\(enMAX) in its description, and no other range. A shared key whose
  default in one program differs (Post's max_body) is described again under
  that program's section, with that default;
- each key is in the sample packaging/quire.conf, commented or not, in its
  section (a shared key in any), and one shown commented with a value
  (#key = value) shows its default (before any section: every program's);
- nothing else is: a key described or in the sample is one the program of
  its section reads (under EVERY PROGRAM and before any section: a shared
  one), in a section that is a program's.
Fails naming every key that is not.

    tests/docs/config_keys.py BUILD [CHECKOUT]
"""
import collections
import os
import re
import sys

import key_tables
from key_tables import SHARED

REQUIRED = "(required)"
# A described key: its default as written ("none" for an empty string, or
# REQUIRED), the ranges its description states, and its line in the page.
Entry = collections.namedtuple("Entry", "default ranges line")
RANGE = re.compile(r"(-?\d+)\\\(en(-?\d+)")


def man_entries(path, problems):
    """Returns {section: {key: Entry}} of quire.conf(5)'s key sections
    (SHARED for EVERY PROGRAM, NAME for [NAME]); a tag of another form there
    is a problem."""
    entries, section, tag_next = {}, None, False
    current = None  # [name, default, description lines, line number]

    def close():
        if current is not None:
            name, default, desc, line = current
            ranges = [(int(a), int(b)) for a, b in RANGE.findall(" ".join(desc))]
            if name in entries[section]:
                problems.append("%s:%d: %s is described twice in its section" %
                                (path, line, name))
            entries[section][name] = Entry(default, ranges, line)

    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith(".SH ") or line == ".TP" or line == ".PP":
                close()
                current = None
            if line.startswith(".SH "):
                title = line[4:].strip().strip('"')
                section = SHARED if title == "EVERY PROGRAM" else (
                    title[1:-1] if re.fullmatch(r"\[[a-z0-9_]+\]", title) else None)
                if section is not None:
                    entries.setdefault(section, {})
                continue
            if line == ".TP":
                tag_next = section is not None
                continue
            if tag_next:
                tag_next = False
                m = re.fullmatch(r'\.BR ([a-z0-9_]+) " \((.*)\)"', line)
                if m:
                    current = [m.group(1), m.group(2), [], lineno]
                    continue
                m = re.fullmatch(r"\.B ([a-z0-9_]+)", line)
                if m:
                    current = [m.group(1), None, [], lineno]
                    continue
                problems.append('%s:%d: a key\'s tag is .BR key " (default)" or .B key '
                                'then (required), not %r' % (path, lineno, line))
                continue
            if current is not None:
                if current[1] is None and not current[2]:
                    if line != REQUIRED:
                        problems.append("%s:%d: %s: neither a default nor %s" %
                                        (path, lineno, current[0], REQUIRED))
                    current[1] = REQUIRED
                    if line == REQUIRED:
                        continue
                current[2].append(line)
    close()
    return entries


def sample_keys(path):
    """Returns {section: {key: [value shown commented, or None]}} of the sample
    ("" for before any section): every key set, shown commented (#key =
    value, the value its default), or named in a commented example."""
    keys, section = {"": {}}, ""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.fullmatch(r"\[([a-z0-9_]+)\]\s*", line)
            if m:
                section = m.group(1)
                keys.setdefault(section, {})
                continue
            m = re.fullmatch(r"[#;]([a-z0-9_]+) = (.*)", line)
            if m:
                keys[section].setdefault(m.group(1), []).append(m.group(2))
                continue
            m = re.match(r"[#;]?\s*([a-z0-9_]+)\s*=", line)
            if m:
                keys[section].setdefault(m.group(1), []).append(None)
    return keys


def documented(key):
    """Returns a key's default as quire.conf(5) writes it."""
    d = key_tables.shown(key)
    return REQUIRED if d is None else (d if d != "" else "none")


def check(tables, man, man_path, sample, sample_path):
    """Returns the problems, each once, in order."""
    problems = []
    shared = {}  # name: {program: Key}
    for prog, keys in tables.items():
        for k in keys:
            if k.section == SHARED:
                shared.setdefault(k.name, {})[prog] = k

    def reads(section):
        return {k.name for k in tables.get(section, [])}

    for prog, keys in sorted(tables.items()):
        for k in keys:
            where = "key %s every program reads" % k.name if k.section == SHARED else \
                "[%s] key %s" % (prog, k.name)
            own = man.get(prog, {}).get(k.name)
            common = man.get(SHARED, {}).get(k.name) if k.section == SHARED else None
            if own is None and common is None:
                problems.append("%s: %s is not described (.TP) under %s" % (
                    man_path, where, "EVERY PROGRAM" if k.section == SHARED else "[%s]" % prog))
                continue
            if k.section == SHARED and common is None:
                problems.append("%s: %s is described under [%s], not under EVERY PROGRAM" %
                                (man_path, where, prog))
            # Post's own default of a shared key is stated in [post].
            doc = own if own is not None else common
            if doc.default != documented(k):
                problems.append("%s:%d: %s: the default is %s, not %s%s" % (
                    man_path, doc.line, where, documented(k), doc.default,
                    " (in quire-%s; say so under [%s])" % (prog, prog)
                    if own is None and k.section == SHARED else ""))
            stated = [r for e in (common, own) if e is not None for r in e.ranges]
            if k.type == "int":
                if not stated:
                    problems.append("%s:%d: %s: its range (%d\\(en%d) is not stated" %
                                    (man_path, doc.line, where, k.min, k.max))
                for r in stated:
                    if r != (k.min, k.max):
                        problems.append("%s:%d: %s: the range is %d\\(en%d, not %d\\(en%d" %
                                        (man_path, doc.line, where, k.min, k.max, *r))
            if k.section == SHARED:
                present = any(k.name in s for s in sample.values())
            else:
                present = k.name in sample.get(prog, {})
            if not present:
                problems.append("%s: %s is missing (commented or not)%s" % (
                    sample_path, where, "" if k.section == SHARED else " in [%s]" % prog))
            for value in sample.get(prog, {}).get(k.name, []):
                if value is not None and value != key_tables.shown(k):
                    problems.append("%s: [%s] #%s = %s: the default is %s" %
                                    (sample_path, prog, k.name, value, key_tables.shown(k)))
    for name, values in sorted(sample.get("", {}).items()):
        for value in values:
            wrong = sorted(p for p, k in shared.get(name, {}).items()
                           if value is not None and value != key_tables.shown(k))
            if wrong:
                problems.append("%s: #%s = %s: not the default of %s" %
                                (sample_path, name, value, ", ".join("quire-" + p for p in wrong)))

    # The other way: what is described or in the sample is read.
    for section, entries in sorted(man.items()):
        if section != SHARED and section not in tables:
            problems.append("%s: [%s] is no program's section" % (man_path, section))
            continue
        for name, e in sorted(entries.items(), key=lambda i: i[1].line):
            if section == SHARED and name not in shared:
                problems.append("%s:%d: %s, under EVERY PROGRAM, is not a key every "
                                "program reads" % (man_path, e.line, name))
            elif section != SHARED and name not in reads(section):
                problems.append("%s:%d: [%s] %s: quire-%s reads no such key" %
                                (man_path, e.line, section, name, section))
    for section, names in sorted(sample.items()):
        if section != "" and section not in tables:
            problems.append("%s: [%s] is no program's section" % (sample_path, section))
            continue
        for name in sorted(names):
            if section == "" and name not in shared:
                problems.append("%s: %s, before any section, is not a key every "
                                "program reads" % (sample_path, name))
            elif section != "" and name not in reads(section):
                problems.append("%s: [%s] %s: quire-%s reads no such key" %
                                (sample_path, section, name, section))
    return list(dict.fromkeys(problems))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.rsplit("\n\n", 1)[-1].strip())
    build = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else "."
    man_path = os.path.join(root, "packaging", "man", "quire.conf.5")
    sample_path = os.path.join(root, "packaging", "quire.conf")
    try:
        tables = key_tables.tables(build, root)
    except RuntimeError as e:
        print("FAIL: %s" % e)
        return 1
    problems = []
    man = man_entries(man_path, problems)
    problems += check(tables, man, man_path, sample_keys(sample_path), sample_path)
    for p in problems:
        print("FAIL: " + p)
    total = len({(k.section, k.name) for keys in tables.values() for k in keys})
    print("%d setting(s) of %d program(s): %s" % (
        total, len(tables), "%d problem(s)" % len(problems) if problems else
        "each described in quire.conf(5) and in the sample, and nothing else"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
