#!/usr/bin/env python3
"""Checks the source tree's layout promises (run by ctest as `source.layout`):

- no file in src/, include/ or tools/ has more than 400 lines;
- no function there has more than 80 lines, from its signature to its closing brace;
- no part of src/batch below the engine includes the engine's facade header
  (include/leadscout/batch/detail/engine.hpp): only the engine's own facade sources do.

Exit status 1 with one line per breach, naming the file and line.
"""
import argparse
import pathlib
import re
import sys

MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80
SOURCE_SUFFIXES = {".cpp", ".hpp", ".h", ".cc"}
FACADE_HEADER = "leadscout/batch/detail/engine.hpp"
# Files allowed to include the facade: the facade's own implementation.
FACADE_OWNERS = {"src/batch/engine/engine.cpp", "src/batch/engine/engine_state.hpp",
                 "src/batch/engine/engine_state.cpp"}
CONTROL = re.compile(r"\b(if|for|while|switch|catch|return|else|do|try)\s*(\(.*\))?\s*$")
SCOPE = re.compile(r"\b(namespace|class|struct|union|enum)\b[^()]*$|extern\s+\"C\"\s*$")


def strip_code(text):
    """The text with comments, string and character literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i)
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def long_functions(text):
    """(line, length) of each function body at namespace or class level longer than the limit."""
    code = strip_code(text)
    stack = []  # "scope", "function" or "block"
    starts = []  # the line where each open function's signature starts
    found = []
    line = 1
    statement_start = 1  # line of the first non-blank character since the last ; { or }
    pending = ""
    for c in code:
        if c == "\n":
            line += 1
        if c == "{":
            head = pending.strip()
            inside_function = any(kind != "scope" for kind in stack)
            if inside_function:
                kind = "block"
            elif SCOPE.search(head) or head.endswith("=") or not head:
                kind = "scope"
            elif head.endswith(")") or re.search(r"\)\s*(const|noexcept|override|final|mutable|->.*|&|&&|\s)*$", head):
                kind = "scope" if CONTROL.search(head) else "function"
            elif re.search(r":\s*[\w:<>,\s]*[({][^;]*[)}]\s*$", head):  # a constructor's initialisers
                kind = "function"
            else:
                kind = "scope"
            stack.append(kind)
            starts.append(statement_start)
            pending = ""
            statement_start = line
        elif c == "}":
            if stack:
                kind = stack.pop()
                start = starts.pop()
                if kind == "function" and line - start + 1 > MAX_FUNCTION_LINES:
                    found.append((start, line - start + 1))
            pending = ""
            statement_start = line
        elif c == ";":
            pending = ""
            statement_start = line
        else:
            if not pending.strip() and not c.isspace():
                statement_start = line
            pending += c
            # A constructor's initialiser list holds braces; keep the head together across them.
    return found


def self_test():
    """The checker on a tree made for it: each breach found, nothing else."""
    import tempfile
    body = "".join(f"  x += {i};\n" for i in range(78))
    cases = {
        "src/long_function.cpp": "namespace a {\nint f(int x) {\n" + body + "  return x;\n}\n}\n",
        "src/short_function.cpp": "struct S {\n  int g(int x) const noexcept {\n" + body[:-12] +
                                  "    auto h = [&] { if (x) { return 1; } return 2; };\n  return x + h();\n  }\n};\n",
        "src/long_file.hpp": "// \"{\n" * 401,
        "src/batch/journal/up.hpp": "#include \"leadscout/batch/detail/engine.hpp\"\n",
    }
    expected = {"src/batch/journal/up.hpp: includes the engine's facade leadscout/batch/detail/engine.hpp",
                "src/long_file.hpp: 401 lines (at most 400)",
                "src/long_function.cpp:2: a function of 81 lines (at most 80)"}
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in cases.items():
            path = pathlib.Path(tmp, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        found = set(check(pathlib.Path(tmp)))
    if found != expected:
        print("check_layout self-test failed:\n  found " + repr(sorted(found)) + "\n  expected " + repr(sorted(expected)))
        return 1
    print("check_layout self-test: every breach found")
    return 0


def check(root):
    """Every breach of the layout under `root`, one line each."""
    problems = []
    for folder in ("src", "include", "tools"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8", errors="replace")
            lines = text.count("\n")
            if lines > MAX_FILE_LINES:
                problems.append(f"{rel}: {lines} lines (at most {MAX_FILE_LINES})")
            for start, length in long_functions(text):
                problems.append(f"{rel}:{start}: a function of {length} lines (at most {MAX_FUNCTION_LINES})")
            if rel.startswith("src/batch/") and rel not in FACADE_OWNERS and FACADE_HEADER in text:
                problems.append(f"{rel}: includes the engine's facade {FACADE_HEADER}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=".", help="the source tree")
    parser.add_argument("--self-test", action="store_true", help="check the checker on a tree it makes")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    problems = check(pathlib.Path(args.root))
    for p in problems:
        print(p)
    print(f"check_layout: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
