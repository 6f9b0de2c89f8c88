using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Kernels.Cpu;
using NativeTV.Kernels.Ilgpu;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv bench gemm`: y = x W^T through the backend's MatMul (the kernel every model matmul runs) with W in a
/// stored dtype, and on the same operands in the same run through cuBLASLt on cuda, or on cpu in bf16 through oneDNN
/// where libdnnl2 is installed. On the ILGPU backends the dtype picks the kernel: f32 the float32 GEMM, bf16 and f16
/// the tensor-core GEMM with operands of that type (the simulator runs the same kernel body as cuda, with the software
/// MMA); the cpu backend computes in float32. The last line is
/// `gemm MxNxK DTYPE: X TFLOP/s[, cuBLAS|oneDNN Y TFLOP/s, ratio R][, max rel err E]`.
/// </summary>
public static class BenchGemm
{
    public static Command Create()
    {
        var device = CommonOptions.Device();
        var m = new Option<int>("--m") { Description = "rows of x and y (tokens)", DefaultValueFactory = _ => 4096 }.AtLeast(1);
        var n = new Option<int>("--n") { Description = "rows of W (output features)", DefaultValueFactory = _ => 4096 }.AtLeast(1);
        var k = new Option<int>("--k") { Description = "columns of x and W (input features)", DefaultValueFactory = _ => 4096 }.AtLeast(1);
        var dtype = new Option<string>("--dtype") { Description = "W's stored dtype: bf16, f16 or f32 (x is rounded to it, so cuBLAS computes the same product); on cuda and ilgpu-cpu bf16/f16 run the tensor-core GEMM, f32 the float32 GEMM", DefaultValueFactory = _ => "bf16" };
        var check = new Option<bool>("--check") { Description = "max |y - ref| / max |ref| against a float64 reference (on evenly spaced rows of large shapes)" };
        var reps = new Option<int>("--reps") { DefaultValueFactory = _ => 10 }.AtLeast(1);
        var cmd = new Command("gemm", "GEMM TFLOP/s through the backend's MatMul, next to cuBLASLt's on cuda") { device, m, n, k, dtype, check, reps };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            var dt = DTypes.Parse(pr.GetValue(dtype)!);
            int r = pr.GetValue(reps);
            bool checking = pr.GetValue(check);
            using var be = BackendFactory.Create(pr.GetValue(device)!, KernelPrecision(pr.GetValue(device)!, dt));
            using var cublas = be.Name == "cuda" ? new CublasMatMul(be) : null;
            using var onednn = be.Name == "cpu" && dt == DType.BF16 && Bf16Gemm.Available ? new Bf16Gemm() : null;
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(be.DeviceDescription)}[/]");
            using var p = new GemmProblem(be, pr.GetValue(m), pr.GetValue(n), pr.GetValue(k), dt);
            double ours = p.Flops / p.TimeBackend(r);
            var line = $"gemm {p.M}x{p.N}x{p.K} {dt.ToString().ToLowerInvariant()}: {Tflops(ours)} TFLOP/s";
            double err = checking ? p.MaxRelError() : 0;
            if (cublas != null)
            {
                double theirs = p.Flops / p.TimeCublas(cublas, r);
                line += $", cuBLAS {Tflops(theirs)} TFLOP/s, ratio {ours / theirs:F3}";
                if (checking) Console.WriteLine($"cuBLAS max rel err {p.MaxRelError():0.00e+00}");
            }
            if (onednn != null)
            {
                double theirs = p.Flops / p.TimeOneDnn(onednn, r);
                Console.WriteLine($"{Bf16Gemm.Version}, {onednn.Implementation(p.M, p.N, p.K, true)} kernels");
                line += $", oneDNN {Tflops(theirs)} TFLOP/s, ratio {ours / theirs:F3}";
                if (checking) Console.WriteLine($"oneDNN max rel err {p.MaxRelError(p.OneDnnResult):0.00e+00}");
            }
            Console.WriteLine(checking ? $"{line}, max rel err {err:0.00e+00}" : line);
            return 0;
        }));
        return cmd;
    }

    /// <summary>
    /// The precision that runs the dtype's kernel: bf16 (tensor cores) for 16-bit dtypes on the ILGPU backends, else f32.
    /// A --precision that contradicts it is an error rather than a silently different kernel.
    /// </summary>
    private static Precision KernelPrecision(string device, DType dt)
    {
        bool ilgpu = device != "cpu" && (device != "auto" || IlgpuBackend.CudaAvailable());
        var p = ilgpu && dt != DType.F32 ? Precision.BF16 : Precision.F32;
        if (BackendFactory.Precision is { } given && given != p)
            throw new ArgumentException($"--precision {given.Name()} contradicts --dtype {dt.ToString().ToLowerInvariant()} on {device}, which runs in {p.Name()}: leave --precision out (the dtype picks the kernel)");
        return p;
    }

    /// <summary>TFLOP/s with four significant digits (small shapes on the simulator run at a few MFLOP/s).</summary>
    public static string Tflops(double flopsPerSecond) => $"{flopsPerSecond / 1e12:G4}";
}
