#!/usr/bin/env python3
"""The man pages against the programs they document.

Every man page of the sources (*/NAME.[1-9]) is checked:
- groff -man -ww renders it without a warning (and mandoc -T lint finds no
  error, when mandoc is installed);
- a program's page (sections 1 and 8): the options and commands that
  `NAME --help` lists (its usage or synopsis, its option table, its
  commands, and each sub-command's own --help for an argparse-style
  {a,b,c} group) all appear in the page's SYNOPSIS, OPTIONS or COMMANDS
  sections; and every option of the page's SYNOPSIS, and of the tags of
  its OPTIONS and COMMANDS items, is one that --help lists;
- a configuration page (section 5) named after a YANG module: every node of
  the module down to the top containers' children is named in the page,
  and every JSON example of its EXAMPLES section is valid (yanglint);
- every closbgp page a page refers to (clos*(N)) exists.

Nothing is listed here: options, commands and nodes are all read from the
programs, the pages and the YANG modules, so a command added to a program
and not to its page (or the other way round) fails the test.

Run by `make check` (srcdir from automake, programs in the current build
directory), or by hand: srcdir=.. python3 ../tests/unit/manpages.py
from a build directory.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("srcdir", ".")
BUILDDIR = os.environ.get("builddir", ".")
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)")
GAP = re.compile(r"\S(\s{2,}|\t)")

results = {"passed": 0, "failed": 0}


def ok(msg):
    results["passed"] += 1
    print("ok: " + msg)


def fail(msg):
    results["failed"] += 1
    print("FAIL: " + msg)


# ---- man(7) source -> text, section by section -----------------------------

SPECIAL = {"em": "--", "en": "-", "dq": '"', "aq": "'", "lq": '"',
           "rq": '"', "bu": "*", "co": "(c)", "mi": "-", "hy": "-"}


def unescape(s):
    def repl(m):
        e = m.group(1)
        if e[0] in "f*":
            return ""
        if e[0] == "(":
            return SPECIAL.get(e[1:], "")
        if e[0] == "[":
            return SPECIAL.get(e[1:-1], "")
        return {"-": "-", "e": "\\", "&": "", " ": " ", "~": " ", "0": " ",
                "|": "", "^": "", "%": "", ":": "", "c": ""}.get(e, e)
    return re.sub(r"\\([f*](?:\[[^\]]*\]|\(..|.)|\(..|\[[^\]]*\]|.)",
                  repl, s)


def macro_args(s):
    """Splits roff macro arguments: "quoted args", escaped spaces kept."""
    args, i = [], 0
    while i < len(s):
        if s[i] in " \t":
            i += 1
        elif s[i] == '"':
            j, buf = i + 1, ""
            while j < len(s):
                if s[j] == '"':
                    if s[j + 1:j + 2] == '"':
                        buf, j = buf + '"', j + 2
                        continue
                    j += 1
                    break
                buf, j = buf + s[j], j + 1
            args.append(buf)
            i = j
        else:
            j = i
            while j < len(s) and s[j] not in " \t":
                j += 2 if s[j] == "\\" else 1
            args.append(s[i:j])
            i = j
    return [unescape(a) for a in args]


class ManPage:
    """title, section and, per .SH section, its lines as (text, is_tag)."""

    def __init__(self, path):
        self.path = path
        self.title, self.section = "", ""
        self.sections = {}
        lines, cur, tag_next = [], None, False
        for raw in open(path, encoding="utf-8").read().split("\n"):
            raw = re.sub(r'\\".*$', "", raw)
            text, is_tag = None, False
            if raw[:1] in ".'":
                m = re.match(r"[.']\s*(\S+)\s*(.*)$", raw)
                if not m:
                    continue
                name, args = m.group(1), macro_args(m.group(2))
                if name == "TH":
                    self.title = args[0].lower() if args else ""
                    self.section = args[1] if len(args) > 1 else ""
                elif name == "SH":
                    cur = " ".join(args).upper()
                    lines = self.sections.setdefault(cur, [])
                elif name == "TP":
                    tag_next = True
                elif name == "IP" and args:
                    text, is_tag = args[0], True
                elif name in ("B", "I", "R", "SM", "SB"):
                    text = " ".join(args)
                elif name in ("BR", "RB", "IR", "RI", "BI", "IB"):
                    text = "".join(args)
                elif name == "OP":
                    text = "[" + " ".join(args) + "]"
                elif name == "SY" and args:
                    text = args[0]
            else:
                text = unescape(raw)
            if text is None or cur is None:
                continue
            if tag_next:
                is_tag, tag_next = True, False
            lines.append((text, is_tag))

    def text(self, *names, tags_only=False):
        out = []
        for sec, lines in self.sections.items():
            if names and not any(n in sec for n in names):
                continue
            out += [t for t, tag in lines if tag or not tags_only]
        return "\n".join(out)


# ---- --help -> options and commands ------------------------------------------

def term(line):
    """The entry part of a help table line: what precedes a gap of 2+ blanks."""
    s = line.strip()
    m = GAP.search(s)
    return s[:m.start() + 1] if m else s


def blocks(help_text, header):
    """Lines of each block starting at a line matching header, to a blank one."""
    out, cur = [], None
    for line in help_text.split("\n"):
        if cur is None:
            if re.match(header, line.strip(), re.I):
                cur = [line]
        elif line.strip():
            cur.append(line)
        else:
            out.append(cur)
            cur = None
    if cur:
        out.append(cur)
    return out


def sub_commands(usage):
    """Names of an argparse-style {a,b,c} group not following an option."""
    names = []
    for m in re.finditer(r"\{([\w-]+(?:,[\w-]+)+)\}", usage):
        if re.search(r"-[\w-]+\s*$", usage[:m.start()]):
            continue        # -f {table,json}: an option's choices
        names += m.group(1).split(",")
    return names


def run_help(argv):
    env = dict(os.environ, LC_ALL="C", COLUMNS="100")
    p = subprocess.run(argv + ["--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True,
                       env=env, timeout=30)
    if p.returncode != 0:
        raise RuntimeError("%s --help: exit %d: %s" % (
            " ".join(argv), p.returncode, p.stderr.strip()))
    return p.stdout


def help_items(argv, depth=0):
    """(options, commands) a program's --help lists."""
    text = run_help(argv)
    options, commands = set(), []
    usage = "\n".join("\n".join(b) for b in
                      blocks(text, r"^(usage:|synopsis\b)"))
    options |= set(OPTION.findall(usage))
    for line in text.split("\n"):
        if line.strip().startswith("-"):
            options |= set(OPTION.findall(term(line)))
    for b in blocks(text, r"^(commands|sub-?commands):?$"):
        entries = [l for l in b[1:] if l.strip()]
        if not entries:
            continue
        indent = min(len(l) - len(l.lstrip()) for l in entries)
        for l in entries:
            if len(l) - len(l.lstrip()) == indent:
                t = term(l)
                commands.append(t)
                options |= set(OPTION.findall(t))
    if depth == 0:
        for sub in sub_commands(usage):
            commands.append(sub)
            sub_opts, sub_cmds = help_items(argv + [sub], depth + 1)
            options |= sub_opts
            commands += [sub + " " + c for c in sub_cmds]
    return options, commands


def keyword_patterns(command):
    """Regexes, one per alternative of a help command entry ("drain | undrain",
    "state live|drained|warm", "show routes [PREFIX] [--peer ADDRESS]"),
    matching its literal words; each is a list of acceptable regexes."""
    pats = []
    for alt in re.split(r"\s+\|\s+", command):
        words = []
        for w in alt.split():
            if w[0] in "[<-(" or re.search(r"[A-Z]", w):
                break
            words.append(w)
        if not words:
            continue
        if not any("|" in w for w in words):
            pats.append([r"\s+".join(map(re.escape, words))])
            continue
        # a|b|c word: the alternation as written, or each expansion alone
        as_written = r"\s+".join(r"\s*\|\s*".join(map(re.escape, w.split("|")))
                                 for w in words)
        expansions = [""]
        for w in words:
            expansions = [(e + " " if e else "") + p for e in expansions
                          for p in w.split("|")]
        pats.append([as_written, [r"\s+".join(map(re.escape, e.split()))
                                  for e in expansions]])
    return pats


def contains(text, pattern):
    return re.search(r"(?<![\w-])" + pattern + r"(?![\w-])", text) is not None


# ---- the checks ----------------------------------------------------------------

def find_program(page):
    d = os.path.relpath(os.path.dirname(page.path), SRCDIR)
    for base in (BUILDDIR, SRCDIR):
        p = os.path.join(base, d, page.title)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def check_render(page):
    name = os.path.relpath(page.path, SRCDIR)
    if shutil.which("groff"):
        p = subprocess.run(["groff", "-man", "-ww", "-z", page.path],
                           stderr=subprocess.PIPE, universal_newlines=True)
        if p.returncode or p.stderr.strip():
            fail("%s: groff: %s" % (name, p.stderr.strip()))
        else:
            ok("%s renders without warnings (groff -ww)" % name)
    if shutil.which("mandoc"):
        p = subprocess.run(["mandoc", "-T", "lint", "-W", "error", page.path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        if p.returncode:
            fail("%s: mandoc: %s" % (name, p.stdout.strip()))
        else:
            ok("%s: mandoc -T lint finds no error" % name)


def check_program(page):
    name = os.path.relpath(page.path, SRCDIR)
    prog = find_program(page)
    if not prog:
        fail("%s: no program %s built next to it" % (name, page.title))
        return
    try:
        help_opts, help_cmds = help_items([prog])
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        fail("%s: %s" % (name, e))
        return
    where = page.text("SYNOPSIS", "OPTIONS", "COMMANDS")
    man_opts = set(OPTION.findall(page.text("SYNOPSIS")))
    man_opts |= set(OPTION.findall(page.text("OPTIONS", "COMMANDS",
                                             tags_only=True)))
    missing = sorted(o for o in help_opts if not contains(where, re.escape(o)))
    extra = sorted(man_opts - help_opts)
    missing_cmds = []
    for c in help_cmds:
        for alternatives in keyword_patterns(c):
            whole, parts = alternatives[0], alternatives[1:]
            if contains(where, whole):
                continue
            if parts and all(contains(where, p) for p in parts[0]):
                continue
            missing_cmds.append(c)
            break
    if missing:
        fail("%s: options in %s --help, not in the page: %s" % (
            name, page.title, " ".join(missing)))
    if extra:
        fail("%s: options in the page, not in %s --help: %s" % (
            name, page.title, " ".join(extra)))
    if missing_cmds:
        fail("%s: commands in %s --help, not in the page: %s" % (
            name, page.title, "; ".join(missing_cmds)))
    if not (missing or extra or missing_cmds):
        ok("%s and %s --help agree (%d options, %d commands)" % (
            name, page.title, len(help_opts), len(help_cmds)))


def yang_nodes(module):
    """Nodes of the module's tree down to the top containers' children."""
    yangdir = os.path.dirname(module)
    p = subprocess.run(["yanglint", "-f", "tree", "-p", yangdir, module],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode:
        raise RuntimeError("yanglint -f tree %s: %s" % (module, p.stderr))
    nodes = []
    for line in p.stdout.split("\n"):
        m = re.match(r"^(\s*)(?:\|\s*)*\+--[rwox-]+\s+([\w-]+)", line)
        if m and line.index("+--") <= 5:
            nodes.append(m.group(2))
    return nodes


def check_config_page(page):
    name = os.path.relpath(page.path, SRCDIR)
    modules = glob.glob(os.path.join(SRCDIR, "*", "yang", page.title + ".yang"))
    if not modules:
        return
    if not shutil.which("yanglint"):
        print("skip: %s: yanglint not installed" % name)
        return
    text = page.text()
    try:
        nodes = yang_nodes(modules[0])
    except RuntimeError as e:
        fail("%s: %s" % (name, e))
        return
    missing = [n for n in nodes if not contains(text, re.escape(n))]
    if missing or not nodes:
        fail("%s: nodes of %s not in the page: %s" % (
            name, os.path.basename(modules[0]), " ".join(missing) or "(none read)"))
    else:
        ok("%s names the %d top nodes of %s" % (
            name, len(nodes), os.path.basename(modules[0])))
    examples = re.findall(r"^\{$.*?^\}$", page.text("EXAMPLE"), re.M | re.S)
    for i, ex in enumerate(examples):
        try:
            json.loads(ex)
        except ValueError as e:
            fail("%s: example %d is not JSON: %s" % (name, i + 1, e))
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            f.write(ex)
            f.flush()
            yangdir = os.path.dirname(modules[0])
            p = subprocess.run(["yanglint", "-p", yangdir, modules[0], f.name],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               universal_newlines=True)
        if p.returncode or p.stdout.strip():
            fail("%s: example %d: yanglint: %s" % (name, i + 1, p.stdout.strip()))
        else:
            ok("%s: example %d is valid %s data" % (name, i + 1, page.title))


def check_references(pages):
    known = {(p.title, p.section) for p in pages}
    for page in pages:
        refs = set(re.findall(r"(?<![\w-])(clos[\w-]*)\((\d)\)", page.text()))
        bad = sorted("%s(%s)" % r for r in refs - known)
        if bad:
            fail("%s: refers to missing pages: %s" % (
                os.path.relpath(page.path, SRCDIR), " ".join(bad)))
    ok("cross-references between %d pages" % len(pages))


def is_man_page(path):
    """A man(7) source: a .TH line among its first lines (not, say, the
    autom4te.cache/output.1 of an in-tree autoreconf)."""
    try:
        with open(path, encoding="utf-8") as f:
            return any(l.startswith(".TH ") for _, l in zip(range(20), f))
    except (OSError, UnicodeDecodeError):
        return False


def main():
    paths = sorted(p for p in glob.glob(os.path.join(SRCDIR, "*", "*.[1-9]"))
                   if is_man_page(p))
    if not paths:
        print("SKIP: no man pages under %s" % SRCDIR)
        return 77
    pages = [ManPage(p) for p in paths]
    for page in pages:
        check_render(page)
        if page.section in ("1", "8"):
            check_program(page)
        elif page.section == "5":
            check_config_page(page)
    check_references(pages)
    print("man pages: %d passed, %d failed" % (results["passed"],
                                                results["failed"]))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
