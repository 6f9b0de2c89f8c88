#!/usr/bin/env bash
# Installs what NativeTV needs beyond the .NET 10 SDK (OpenBLAS for the cpu backend) and builds it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ldconfig -p 2>/dev/null | grep -q 'libopenblas.so.0'; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libopenblas0-pthread >/dev/null
fi
out=$(dotnet build src/Host -c Release -o .build/nativetv -nologo 2>&1) || { echo "$out" >&2; exit 1; }
