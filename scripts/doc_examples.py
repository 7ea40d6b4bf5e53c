#!/usr/bin/env python3
"""Compiles every ```cpp block of the given Markdown files against an installed leadscout.

    doc_examples.py --prefix PREFIX --work DIR FILE.md...

A block is compiled as its marker, an HTML comment on the line before the fence, says:
    <!-- example: program -->   a whole program: compiled and linked (the default for a block
                                 that has a main function)
    <!-- example: run -->        a whole program, also run with LEADSCOUT_LOG_DIR in a fresh
                                 directory; a ```json block right after it lists log lines that
                                 must appear (matched by "event", every key but "timestamp")
    <!-- example: NAME -->       a fragment, pasted into docs/examples/NAME.cpp at "// @example@"
Each block becomes its own target of one consumer project (find_package(leadscout)), so a
failure names the Markdown file and line; #line directives make the compiler name them too.
Exit status 1 when any block fails.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!--\s*example:\s*([\w-]+)\s*-->\s*$")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Block:
    def __init__(self, path, line, kind, code, expected):
        self.path, self.line, self.kind, self.code, self.expected = path, line, kind, code, expected
        base = re.sub(r"\W", "_", os.path.relpath(path, ROOT) if path.startswith(ROOT) else os.path.basename(path))
        self.target = f"ex_{base}_L{line}"

    def where(self):
        return f"{os.path.relpath(self.path) if self.path.startswith(ROOT) else self.path}:{self.line}"


def read_blocks(path):
    """The cpp blocks of one Markdown file, with the json block that follows each, if any."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        lang, start = m.group(1), i + 1
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if lang == "cpp":
            marker = MARKER.match(lines[i - 1]) if i > 0 else None
            code = "\n".join(lines[start:end])
            kind = marker.group(1) if marker else ("program" if re.search(r"\bint\s+main\s*\(", code) else None)
            blocks.append(Block(path, start + 1, kind, code, None))
        elif lang == "json" and blocks and blocks[-1].expected is None and blocks[-1].kind == "run":
            blocks[-1].expected = [json.loads(l) for l in lines[start:end] if l.strip()]
        i = end + 1
    return blocks


def source_of(block):
    located = f'#line {block.line} "{block.where().split(":")[0]}"\n{block.code}\n'
    if block.kind in ("program", "run"):
        return located
    wrapper = os.path.join(ROOT, "docs", "examples", block.kind + ".cpp")
    text = open(wrapper, encoding="utf-8").read()
    if "// @example@" not in text:
        raise SystemExit(f"{wrapper}: no '// @example@' line")
    before, after = text.split("// @example@", 1)
    return before + located + f'#line {before.count(chr(10)) + 2} "{wrapper}"\n' + after


def write_project(blocks, work):
    os.makedirs(work, exist_ok=True)
    cmake = ["cmake_minimum_required(VERSION 3.21)", "project(leadscout_doc_examples CXX)",
             "find_package(leadscout CONFIG REQUIRED)",
             "set(libs leadscout::log leadscout::batch)",
             "if(TARGET leadscout::monitor)\n  list(APPEND libs leadscout::monitor)\nendif()",
             "if(TARGET leadscout::llm)\n  list(APPEND libs leadscout::llm)\nendif()",
             # The spdlog interop examples call spdlog themselves, as their programs would.
             "find_package(spdlog 1.10 CONFIG QUIET)",
             "if(TARGET spdlog::spdlog)\n  list(APPEND libs spdlog::spdlog)\nendif()"]
    for b in blocks:
        with open(os.path.join(work, b.target + ".cpp"), "w", encoding="utf-8") as f:
            f.write(source_of(b))
        cmake.append(f"add_executable({b.target} {b.target}.cpp)\n"
                     f"target_compile_features({b.target} PRIVATE cxx_std_20)\n"
                     f"target_include_directories({b.target} PRIVATE {os.path.join(ROOT, 'docs', 'examples')})\n"
                     f"target_link_libraries({b.target} PRIVATE ${{libs}})")
    with open(os.path.join(work, "CMakeLists.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(cmake) + "\n")


def check_run(block, exe):
    """Runs a `run` block's program; returns an error text or None."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LEADSCOUT_LOG_DIR=os.path.join(tmp, "logs"), LEADSCOUT_LOG_CONSOLE="off")
        r = subprocess.run([exe], cwd=tmp, env=env, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            return f"exited with {r.returncode}\n{r.stderr}"
        logged = []
        for dirpath, _, names in os.walk(os.path.join(tmp, "logs")):
            for n in names:
                if n.endswith(".log"):
                    for line in open(os.path.join(dirpath, n), encoding="utf-8"):
                        if line.startswith("{"):
                            logged.append(json.loads(line))
        for want in block.expected or []:
            want = {k: v for k, v in want.items() if k != "timestamp"}
            if not any({k: got.get(k) for k in want} == want for got in logged):
                return f"no log line matches {json.dumps(want)}"
    return None


def build_one(block, work):
    r = subprocess.run(["cmake", "--build", work, "--target", block.target], capture_output=True, text=True)
    if r.returncode != 0:
        return f"{block.where()}: example does not compile\n{r.stdout[-4000:]}{r.stderr[-4000:]}"
    if block.kind == "run":
        error = check_run(block, os.path.join(work, block.target))
        if error:
            return f"{block.where()}: example ran but {error}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prefix", required=True, help="where leadscout is installed")
    ap.add_argument("--work", required=True, help="scratch directory for the consumer project")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    blocks, failures, found = [], [], 0
    for path in args.files:
        for b in read_blocks(os.path.abspath(path)):
            found += 1
            if b.kind is None:
                failures.append(f"{b.where()}: a fragment without an <!-- example: NAME --> marker")
            elif b.kind not in ("program", "run") and not os.path.exists(
                    os.path.join(ROOT, "docs", "examples", b.kind + ".cpp")):
                failures.append(f"{b.where()}: unknown example wrapper '{b.kind}' (docs/examples/{b.kind}.cpp)")
            else:
                blocks.append(b)
    write_project(blocks, args.work)
    build = os.path.join(args.work, "build")
    r = subprocess.run(["cmake", "-S", args.work, "-B", build, f"-DCMAKE_PREFIX_PATH={args.prefix}",
                        "-DCMAKE_BUILD_TYPE=Debug"], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout + r.stderr)
        return 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failures += [f for f in pool.map(lambda b: build_one(b, build), blocks) if f]
    for f in failures:
        print(f)
    print(f"{found} examples, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
