"""Expected token ids from the Python `tokenizers` package, for the engine's tokenizer tests.

Writes testdata/tokenizers/expected_ids.json:
    {meta, cases: [{tokenizer: "llama2"|"stories260K", text, add_special_tokens, ids}]}

    python3 tools/reference/make_tokenizer_ids.py [--llama2 FILE] [--stories FILE]
        [--xsum FILE] [--tinystories FILE] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SHARED_DATA, sha256_file, utc_now, write_json  # noqa: E402

SCRIPT = "tools/reference/make_tokenizer_ids.py"
N_XSUM = 10
XSUM_CHARS = 1500
N_STORIES = 5

EDGE_CASES = [
    "",
    " ",
    "  leading spaces",
    "trailing spaces   ",
    "multiple   spaces   between    words",
    "line one\nline two\n\nline four",
    "tab\tseparated\tvalues\t",
    "\n",
    "###",
    "Summary: ###",
    "2024 3.14",
    "naïve café",
    "日本語のテキスト",
    "你好，世界",
    "emoji 🙂👍🏽 done",
    "<s>",
    "text with <s> and </s> inside",
    "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    "Hello, World! It's a \"quoted\" test.",
]


def parse_args():
    """Command-line arguments."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--llama2", default=str(SHARED_DATA / "tokenizers" / "llama2" / "tokenizer.json"))
    p.add_argument("--stories", default=str(SHARED_DATA / "models" / "stories260K" / "hf" / "tokenizer.json"))
    p.add_argument("--xsum", default=str(SHARED_DATA / "tasks" / "xsum" / "xsum_1shot.jsonl"))
    p.add_argument("--tinystories", default=str(SHARED_DATA / "tasks" / "text" / "tinystories_val.txt"))
    p.add_argument("--out", default=str(REPO / "testdata" / "tokenizers" / "expected_ids.json"))
    return p.parse_args()


def xsum_texts(path: str) -> list[str]:
    """The first N_XSUM `article` prompts, each cut to its first XSUM_CHARS characters."""
    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if len(texts) == N_XSUM:
                break
            if line.strip():
                texts.append(json.loads(line)["article"][:XSUM_CHARS])
    return texts


def story_texts(path: str) -> list[str]:
    """The first N_STORIES non-empty lines of the TinyStories slice."""
    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.strip():
                texts.append(line)
            if len(texts) == N_STORIES:
                break
    return texts


def main():
    """Encode every text with both tokenizers, with and without special tokens."""
    import tokenizers
    from tokenizers import Tokenizer

    args = parse_args()
    texts = xsum_texts(args.xsum) + story_texts(args.tinystories) + EDGE_CASES
    files = {"llama2": args.llama2, "stories260K": args.stories}
    cases = []
    for name, path in files.items():
        tok = Tokenizer.from_file(path)
        for text in texts:
            for special in (True, False):
                ids = tok.encode(text, add_special_tokens=special).ids
                cases.append({"tokenizer": name, "text": text, "add_special_tokens": special,
                              "ids": ids})
    meta = {"script": SCRIPT, "date": utc_now(), "tokenizers": tokenizers.__version__,
            "tokenizer_json_sha256": {n: sha256_file(p) for n, p in files.items()},
            "sources": {"xsum": f"xsum/xsum_1shot.jsonl: first {N_XSUM} article, first"
                                f" {XSUM_CHARS} characters",
                        "tinystories": f"text/tinystories_val.txt: first {N_STORIES} non-empty"
                                       " lines, newline removed"}}
    write_json({"meta": meta, "cases": cases}, args.out)
    print(f"wrote {args.out}: {len(cases)} cases")


if __name__ == "__main__":
    main()
