#!/usr/bin/env bash
# Seeds the corpora of the text-input fuzz targets with the project's own files, so the
# fuzzers start from valid CLIF and ISLE instead of from nothing. Run from anywhere;
# writes fuzz/corpus/clif_reader and fuzz/corpus/isle (ignored by git).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$root/fuzz/corpus/clif_reader" "$root/fuzz/corpus/isle"
find "$root/filetests/cases" -name '*.clif' -print0 |
    while IFS= read -r -d '' f; do cp "$f" "$root/fuzz/corpus/clif_reader/$(echo "$f" | sed 's|.*/cases/||; s|/|_|g')"; done
find "$root/codegen/src" "$root/isle/tests" -name '*.isle' -print0 |
    while IFS= read -r -d '' f; do cp "$f" "$root/fuzz/corpus/isle/$(basename "$(dirname "$f")")_$(basename "$f")"; done
echo "clif_reader: $(ls "$root/fuzz/corpus/clif_reader" | wc -l) files; isle: $(ls "$root/fuzz/corpus/isle" | wc -l) files"
