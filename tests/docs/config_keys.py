#!/usr/bin/python3
"""Every setting of the programs is documented where a user looks.

Reads the key tables from the sources (each CFG_KEY(struct conf, name,
CFG_TYPE, default, ...) entry: shared/*.c for the keys every
program reads, fcgi/NAME/*.c for the [NAME] section's) and checks that each
key is described in packaging/man/quire.conf.5, in its section and with the
code's default, and is present, commented or not, in the sample
packaging/quire.conf, in its section. Fails naming every key that is not.

    tests/docs/config_keys.py [CHECKOUT]
"""
import glob
import os
import re
import sys

# CFG_KEY(struct conf, field, CFG_TYPE, default, min, max): the key is named as its field.
ENTRY = re.compile(r'CFG_KEY\(\s*struct \w+,\s*([a-z_]+),\s*CFG_(?:STR|INT|BOOL),\s*(NULL|"[^"]*")')
SHARED = ""  # the section of the keys every program reads: before any [section]


def key_tables(root):
    """Returns {section: {key: default}}; a default is None for a required key."""
    tables = {}
    sources = [(SHARED, p) for p in glob.glob(os.path.join(root, "shared", "*.c"))]
    sources += [(os.path.basename(os.path.dirname(p)), p)
                for p in glob.glob(os.path.join(root, "fcgi", "*", "*.c"))]
    for section, path in sorted(sources):
        with open(path, encoding="utf-8") as f:
            for name, default in ENTRY.findall(f.read()):
                tables.setdefault(section, {})[name] = \
                    None if default == "NULL" else default.strip('"')
    return tables


def man_entries(path):
    """Returns {section: {key: documented default or None}} from the .TP tags."""
    entries, section, tag_next = {}, None, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(".SH "):
                title = line[4:].strip().strip('"')
                section = SHARED if title == "EVERY PROGRAM" else (
                    title[1:-1] if title.startswith("[") and title.endswith("]") else None)
                continue
            if line == ".TP":
                tag_next = True
                continue
            if not tag_next:
                continue
            tag_next = False
            if section is None or not re.match(r"\.BR? ", line):
                continue
            words = re.findall(r'"[^"]*"|\S+', line.split(" ", 1)[1])
            words = [w.strip('"') for w in words]
            # .B: all bold; .BR: bold and roman alternate, the names in bold.
            bold = words if line.startswith(".B ") else words[0::2]
            roman = [] if line.startswith(".B ") else words[1::2]
            names = [w for w in bold if re.fullmatch(r"[a-z_]+", w)]
            defaults = []
            m = re.fullmatch(r"\s*\((.*)\)", roman[-1]) if roman else None
            if m:
                defaults = m.group(1).split(", ")
            for i, name in enumerate(names):
                value = defaults[i] if len(defaults) == len(names) else None
                entries.setdefault(section, {}).setdefault(name, value)
    return entries


def sample_keys(path):
    """Returns {section: set of keys} set or shown commented out in the sample."""
    keys, section = {SHARED: set()}, SHARED
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.fullmatch(r"\[([a-z]+)\]\s*", line)
            if m:
                section = m.group(1)
                keys.setdefault(section, set())
                continue
            m = re.match(r"[#;]?\s*([a-z_]+)\s*=", line)
            if m:
                keys[section].add(m.group(1))
    return keys


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    tables = key_tables(root)
    man_path = os.path.join(root, "packaging", "man", "quire.conf.5")
    sample_path = os.path.join(root, "packaging", "quire.conf")
    man = man_entries(man_path)
    sample = sample_keys(sample_path)
    problems = []
    if not tables.get(SHARED) or len(tables) < 2:
        problems.append("found no key tables in shared/ and fcgi/*/: has their form changed?")
    for section, keys in sorted(tables.items()):
        where = "[%s]" % section if section != SHARED else "every program's"
        for key, default in sorted(keys.items()):
            doc = man.get(section, {})
            if key not in doc:
                problems.append("%s: %s key %s is not described (.TP) under its section" %
                                (man_path, where, key))
            elif default is not None and doc[key] is not None and \
                    doc[key] != (default if default != "" else "none"):
                problems.append("%s: %s key %s: the default is %s, not (%s)" %
                                (man_path, where, key, default or "none", doc[key]))
            present = sample.get(section, set()) if section != SHARED else \
                set().union(*sample.values())
            if key not in present:
                problems.append("%s: %s key %s is missing (commented or not)" %
                                (sample_path, where, key))
    for p in problems:
        print("FAIL: " + p)
    total = sum(len(k) for k in tables.values())
    print("%d setting(s) of %d table(s): %s" % (total, len(tables),
          "%d problem(s)" % len(problems) if problems else "all described and in the sample"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
