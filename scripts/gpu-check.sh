#!/usr/bin/env bash
# The GPU check (README, "GPU checks"), in two halves, because the GPU machines have CUDA but no .NET:
#   scripts/gpu-check.sh build   here, with the .NET SDK: the test runner (which carries nativetv.dll) and a
#                                .NET runtime packed into .devicebuild/bundle.tgz (under the 64 MiB a device run carries)
#   scripts/gpu-check.sh run     on the GPU machine, from the repository root with .devicebuild carried: the bf16
#                                tensor-core tests on cuda (their first run on a GPU: PTX mma.sync), every test case on
#                                cuda (f32), bench gemm at 4096^3 and at Gemma-2B's shapes (M = 960) in bf16 and f32
#                                (f16 at 4096^3), bench pipeline and bench clean-batch, in about 8 minutes; the log is
#                                also written to $OUT/gpu-check.log
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
build)
    rm -rf .devicebuild && mkdir -p .devicebuild/stage
    dotnet publish tools/DeviceRunner -c Release -o .devicebuild/stage/runner -nologo -v q
    # Native libraries for other platforms are most of the output; the GPU machine is linux-x64.
    find .devicebuild/stage/runner/runtimes -mindepth 1 -maxdepth 1 ! -name linux-x64 ! -name linux ! -name unix -exec rm -rf {} +
    root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    version=$(dotnet --list-runtimes | awk '/Microsoft.NETCore.App 10\./ { v = $2 } END { print v }')
    mkdir -p .devicebuild/stage/dotnet/shared/Microsoft.NETCore.App
    cp -r "$root/dotnet" "$root/host" .devicebuild/stage/dotnet/
    cp -r "$root/shared/Microsoft.NETCore.App/$version" .devicebuild/stage/dotnet/shared/Microsoft.NETCore.App/
    tar czf .devicebuild/bundle.tgz -C .devicebuild/stage .
    rm -rf .devicebuild/stage
    du -h .devicebuild/bundle.tgz
    ;;
run)
    work=/tmp/nativetv-gpu-check
    rm -rf "$work" && mkdir -p "$work" && tar xzf .devicebuild/bundle.tgz -C "$work"
    dotnet="$work/dotnet/dotnet"
    nativetv() { "$dotnet" "$work/runner/nativetv.dll" "$@"; }
    log=${OUT:-/tmp}/gpu-check.log
    {
        nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
        echo "== bf16 tensor-core tests on cuda (mma.sync fragments, GEMM at odd shapes, model logits and steering gradient)"
        NATIVETV_TEST_DEVICES=cpu,cuda timeout 120 "$dotnet" "$work/runner/DeviceRunner.dll" WarpMmaTests TensorCoreGemmTests Bf16PrecisionTests | grep -E '^(FAILED|[0-9]+ passed)' || true
        echo "== tests on cuda (f32)"
        NATIVETV_TEST_DEVICES=cpu,cuda timeout 300 "$dotnet" "$work/runner/DeviceRunner.dll" '"cuda"' | grep -E '^(FAILED|[0-9]+ passed)' || true
        echo "== bench gemm (backend MatMul vs cuBLASLt, same run; bf16 and f16 run the tensor-core GEMM)"
        nativetv bench gemm --device cuda --m 4096 --n 4096 --k 4096 --dtype f16 --check --reps 5 | tail -1
        for dtype in bf16 f32; do
            nativetv bench gemm --device cuda --m 4096 --n 4096 --k 4096 --dtype "$dtype" --check --reps 5 | tail -1
            for nk in "2048 2048" "16384 2048" "2048 16384" "256000 2048"; do
                set -- $nk
                nativetv bench gemm --device cuda --m 960 --n "$1" --k "$2" --dtype "$dtype" --check --reps 5 | tail -1
            done
        done
        echo "== bench pipeline (Gemma-2B shape, 24 x 40 tokens, L = 6)"
        nativetv bench pipeline --device cuda --reps 3
        echo "== bench clean-batch (the organism's 12 tasks at layer 2: one at a time vs batched, same run)"
        nativetv bench clean-batch --device cuda --steps 20 --reps 3
    } 2>&1 | tee "$log"
    ;;
*)
    echo "usage: scripts/gpu-check.sh build|run" >&2
    exit 2
    ;;
esac
