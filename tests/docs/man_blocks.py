#!/usr/bin/python3
"""The command blocks of the man pages: each says where a test runs it.

A block is the text between .nf and .fi. One that holds shell commands has a
marker on the line just before its .nf:

    .\\" run: dev            run as written against the dev stack (tests/docs/try_it.sh)
    .\\" run: packages       run as written by tests/packages/smoke.sh, after
                            installing the .debs
    .\\" run: no - REASON    not run, and why (systemd as PID 1, a second machine)

  man_blocks.py [PAGE...]              fails on a block of commands without a
                                       marker, and on a marker that is malformed
                                       or not before a .nf
  man_blocks.py extract WHERE DIR [PAGE...]
                                       writes each block marked WHERE as plain
                                       text (roff escapes undone) to
                                       DIR/PAGE.N.sh (N counts that page's WHERE
                                       blocks from 1) and prints the names

PAGE defaults to every page in packaging/man.
"""
import glob
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
MARKER = re.compile(r'^\.\\"\s*run:\s*(.*?)\s*$')
WHERE = ('dev', 'packages')
# "no", a dash (- or an em dash, as roff or as text), and a reason.
NO = re.compile(r'^no\s*(?:-|\u2014|\\\(em)\s*(\S.*)$')

# Programs an operator types at a shell prompt; a line of a block that starts
# with one of them (after VAR=value assignments) is a command, as is one with
# a shell operator or one that runs something by path. Configuration lines
# (key = value, [Section], <Tag>, directives) and diagrams match none.
COMMANDS = set('''
    a2disconf a2dismod a2enconf a2enmod apache2ctl apachectl apt apt-get cat chmod chown cp
    createdb createuser curl dpkg dropdb echo editor git install jq journalctl kill
    lighty-disable-mod lighty-enable-mod ln ls make man mkdir mv openssl pg_basebackup
    pg_ctl pg_ctlcluster pg_dump pg_dumpall pg_restore psql rm runuser sed service sh
    su sudo systemctl systemd-analyze tar vips wget
'''.split())
COMMAND_LINE = re.compile(r'^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:(quire[\w-]*)|([a-z][\w.+-]*)|(\.?\.?/\S+))(?:\s|$)')
OPERATOR = re.compile(r'(?:&&|\|\||\$\(|\s\|\s)')

# roff escapes that may appear in a block of commands, and what they stand for.
ESCAPES = {'e': '\\', '\\': '\\', '-': '-', '&': '', ' ': ' ', '(em': '\u2014', '(en': '\u2013',
           "'": "'", '`': '`', '(aq': "'", '(dq': '"', '(ti': '~', '(ha': '^'}
ESCAPE = re.compile(r'\\(\(..|\[[^]]*\]|f[BIRP]|.)')


def unescape(line, where, strict=True):
    """The text a reader sees for one line of a block; an escape it does not know raises
    (strict) or goes."""
    def one(m):
        e = m.group(1)
        if e.startswith('f'):
            return ''
        if e.startswith('['):
            e = '(' + e[1:-1]
        if e not in ESCAPES:
            if not strict:
                return ''
            raise ValueError('%s: a roff escape this script does not know: \\%s' % (where, m.group(1)))
        return ESCAPES[e]
    return ESCAPE.sub(one, line)


def looks_like_commands(lines):
    """True when a line of the block reads as a shell command."""
    for line in lines:
        text = line.strip()
        if not text or text.startswith('#'):
            continue
        m = COMMAND_LINE.match(text)
        if m and (m.group(1) or m.group(3) or m.group(2) in COMMANDS):
            return True
        if OPERATOR.search(text) and not text.startswith(('<', '[')):
            return True
    return False


def blocks(path, stray=None):
    """Each .nf block of a page: (line of .nf, marker text or None, raw lines). A marker not
    just before a .nf is appended to the list stray, or raises when there is none."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    found = []
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if m and not (i + 1 < len(lines) and lines[i + 1].startswith('.nf')):
            e = '%s:%d: a run: marker must be the line just before a .nf' % (os.path.relpath(path, ROOT), i + 1)
            if stray is None:
                raise ValueError(e)
            stray.append(e)
        if lines[i].startswith('.nf'):
            prev = MARKER.match(lines[i - 1]) if i else None
            start = i
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith('.fi'):
                body.append(lines[i])
                i += 1
            found.append((start + 1, prev.group(1) if prev else None, body))
        i += 1
    return found


def kind(marker, where):
    """dev, packages or no for a marker's text; raises on anything else."""
    if marker in WHERE:
        return marker
    if NO.match(marker):
        return 'no'
    raise ValueError('%s: marker "run: %s": want "run: dev", "run: packages" or "run: no - REASON"'
                     % (where, marker))


def pages(args):
    return args or sorted(glob.glob(os.path.join(ROOT, 'packaging', 'man', '*.[0-9]')))


def check(args):
    failures = 0
    counts = {'dev': 0, 'packages': 0, 'no': 0}
    for page in pages(args):
        stray = []
        for line, marker, body in blocks(page, stray):
            where = '%s:%d' % (os.path.relpath(page, ROOT), line)
            try:
                text = [unescape(b, where, marker is not None) for b in body]
                if marker is None:
                    if looks_like_commands(text):
                        raise ValueError('%s: a block of commands with no marker before its .nf '
                                         '(.\\" run: dev, packages, or no - REASON)' % where)
                    continue
                k = kind(marker, where)
                if k != 'no' and not any(t.strip() and not t.strip().startswith('#') for t in text):
                    raise ValueError('%s: a block marked run: %s holds no command' % (where, k))
                counts[k] += 1
            except ValueError as e:
                stray.append(str(e))
        for e in stray:
            print('FAIL: %s' % e)
            failures += 1
    if failures:
        return 1
    print('ok: man page command blocks marked: %d run against the dev stack, %d by the package test, '
          '%d not run (reasons given)' % (counts['dev'], counts['packages'], counts['no']))
    return 0


def extract(where, out, args):
    if where not in WHERE:
        raise SystemExit('extract: WHERE is one of %s' % ', '.join(WHERE))
    for page in pages(args):
        n = 0
        for line, marker, body in blocks(page):
            if marker is None or kind(marker, page) != where:
                continue
            n += 1
            name = '%s.%d.sh' % (os.path.basename(page), n)
            src = '%s:%d' % (os.path.relpath(page, ROOT), line)
            with open(os.path.join(out, name), 'w', encoding='utf-8') as f:
                f.write('# %s\n' % src)
                for b in body:
                    f.write(unescape(b, src) + '\n')
            print(name)
    return 0


def main(argv):
    if argv[:1] == ['extract']:
        if len(argv) < 3:
            raise SystemExit(__doc__)
        return extract(argv[1], argv[2], argv[3:])
    return check(argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
