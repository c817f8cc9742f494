#!/usr/bin/env python3
"""Fails when a free function of the project is named like a torch/ATen operator.

With libtorch >= 2, an unqualified call such as full_attention(q, k, v) also finds at::NAME by
argument-dependent lookup when NAME is an ATen operator, and the call becomes ambiguous. CI
builds only against libtorch 1.13, which lacks many newer operators, so it cannot see this; this
check can. Class members are exempt: member lookup stops before ADL.

usage: check_operator_names.py OPERATOR_LIST SOURCE_DIR...   (or --self-test)
"""
import pathlib
import re
import sys

KEYWORDS = {"return", "else", "new", "delete", "throw", "case", "co_return", "goto", "using",
            "operator", "sizeof", "decltype", "typename", "const", "constexpr"}
DECLARATION = re.compile(r"([A-Za-z_][\w:]*(?:<[^;(){}]*>)?)\s*[*&]*\s+[*&]*([A-Za-z_]\w*)\s*\(")
SCOPE_OPENER = re.compile(r"\b(namespace|class|struct|union)\b")


def strip_comments_and_strings(text):
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def namespace_scope_text(text):
    """The text outside class bodies and function bodies: where free functions are declared."""
    kept, stack, start = [], [], 0
    for match in re.finditer(r"[{};]", text):
        pos, char = match.start(), match.group()
        if not stack or stack[-1] == "namespace":
            kept.append(text[start:pos + 1])
        if char == "{":
            head = text[start:pos]
            opener = SCOPE_OPENER.search(head)
            is_enum = re.search(r"\benum\b", head)
            stack.append("namespace" if opener and opener.group(1) == "namespace"
                         else "class" if opener and not is_enum else "block")
        elif char == "}" and stack:
            stack.pop()
        start = pos + 1
    kept.append(text[start:])
    return "".join(kept)


def free_function_names(text):
    scope = namespace_scope_text(strip_comments_and_strings(text))
    for match in DECLARATION.finditer(scope):
        type_word = match.group(1).split("::")[-1].split("<")[0]
        if type_word not in KEYWORDS:
            yield match.group(2)


def load_operators(path):
    lines = pathlib.Path(path).read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def clashes(operators, roots):
    for root in roots:
        for path in sorted(pathlib.Path(root).rglob("*")):
            if path.suffix not in (".h", ".hpp", ".cpp", ".cc"):
                continue
            for name in free_function_names(path.read_text(errors="replace")):
                if name in operators:
                    yield path, name


def self_test():
    sample = """
      namespace ditstream {
      // torch::Tensor softmax(const torch::Tensor& x);  (a comment)
      torch::Tensor group_norm(const torch::Tensor& x, int64_t groups);
      inline std::vector<int64_t> pad(int n) { return std::vector<int64_t> linear(n); }
      class Cache { public: size_t size() const; torch::Tensor rms_norm(int) const; };
      enum class Mode { A, B };
      namespace { torch::Tensor silu(const torch::Tensor& x) { return x; } }
      }
    """
    found = sorted(free_function_names(sample))
    expected = ["group_norm", "pad", "silu"]
    if found != expected:
        print(f"self-test failed: found {found}, expected {expected}")
        return 1
    print("self-test passed")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) < 3:
        print(__doc__)
        return 2
    operators = load_operators(argv[1])
    if len(operators) < 1000:
        print(f"{argv[1]}: only {len(operators)} operator names; the list looks truncated")
        return 1
    found = list(clashes(operators, argv[2:]))
    for path, name in found:
        print(f"{path}: free function '{name}' is named like the operator at::{name}; rename it")
    print(f"checked against {len(operators)} operator names: {len(found)} clash(es)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
