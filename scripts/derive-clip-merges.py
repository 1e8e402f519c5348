#!/usr/bin/env python3
"""Writes Resources/clip-merges.txt: the BPE merges SD1.5's CLIP tokenizer uses.

Source: OpenAI's bpe_simple_vocab_16e6.txt.gz (1,356,917 bytes, sha256
924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a), shipped in the PyPI wheel
open_clip_torch (open_clip/bpe_simple_vocab_16e6.txt.gz). Get it with

    pip download --no-deps open_clip_torch && unzip -j open_clip_torch-*.whl 'open_clip/bpe_simple_vocab_16e6.txt.gz'

CLIP keeps the first 49152 - 256 - 2 = 48,894 merges after the version line (vocabulary 49,408 = 256 byte
symbols + the same with </w> + merges + two special tokens). The output is a merges.txt in Hugging Face's
format: a "#version" first line, then one "left right" pair per line, rank order.

Usage: scripts/derive-clip-merges.py bpe_simple_vocab_16e6.txt.gz Resources/clip-merges.txt
"""
import argparse
import gzip
import hashlib
import sys

EXPECTED_SHA256 = "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a"
MERGE_COUNT = 49152 - 256 - 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="bpe_simple_vocab_16e6.txt.gz")
    parser.add_argument("target", help="the merges file to write (Resources/clip-merges.txt)")
    args = parser.parse_args()
    source, target = args.source, args.target
    raw = open(source, "rb").read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != EXPECTED_SHA256:
        sys.exit(f"{source}: sha256 {digest}, expected {EXPECTED_SHA256}")
    lines = gzip.decompress(raw).decode("utf-8").split("\n")
    merges = lines[1 : 1 + MERGE_COUNT]
    assert len(merges) == MERGE_COUNT and all(len(m.split(" ")) == 2 for m in merges)
    with open(target, "w", encoding="utf-8", newline="\n") as out:
        out.write(f"#version: 0.2 - first {MERGE_COUNT} merges of bpe_simple_vocab_16e6.txt.gz (sha256 {digest})\n")
        out.write("\n".join(merges) + "\n")


if __name__ == "__main__":
    main()
