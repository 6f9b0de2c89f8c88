using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Kernels.Ilgpu;
using NativeTV.Sae;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Steering;
using NativeTV.Transformer.Model;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv bench pipeline`: what a sweep spends its time on, on random weights of Gemma-2B shape (18 layers,
/// d 2048, 8 heads x 256, 1 kv head, d_mlp 16384, vocab 256000, bf16): one cleaning step (forward, backward to
/// resid_pre[L] through a gated SAE's feature parameterisation, Adam) and one forward at 24 x 40 tokens, with
/// the 1000-step extrapolation, next to the GEMM rate of the model's largest matmul through the backend and,
/// on cuda, through cuBLASLt, all measured in the same run. Shape options shrink it for tests.
/// </summary>
public static class BenchPipeline
{
    public static Command Create()
    {
        var shape = new BenchCommand.ShapeOptions(layers: 18, vocab: 256000);
        var batch = new Option<int>("--batch") { Description = "cleaning prompts", DefaultValueFactory = _ => 24 }.AtLeast(1);
        var tokens = new Option<int>("--tokens") { Description = "tokens per prompt", DefaultValueFactory = _ => 40 }.AtLeast(3);
        var layer = new Option<int>("--layer") { Description = "steered layer (the backward runs down to it)", DefaultValueFactory = _ => 6 }.AtLeast(0);
        var dSae = new Option<int>("--d-sae") { Description = "SAE width (Gemma Scope's 2B SAEs: 16384)", DefaultValueFactory = _ => 16384 }.AtLeast(1);
        var profile = CommonOptions.Profile();
        var cmd = new Command("pipeline", "One cleaning step and one forward on Gemma-2B shape, with the 1000-step time, next to the GEMM rates of the same run") { batch, tokens, layer, dSae, profile };
        shape.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            int B = pr.GetValue(batch), T = pr.GetValue(tokens), L = pr.GetValue(layer), n = pr.GetValue(shape.Reps);
            var cfg = shape.Config(pr, T);
            if (L > cfg.Layers) throw new ArgumentException($"--layer {L} is outside 0..{cfg.Layers}");
            using var be = CommonOptions.CreateBackend(pr.GetValue(shape.Device)!, pr.GetValue(profile));
            using var cublas = be.Name == "cuda" ? new CublasMatMul(be) : null;
            using var model = BenchCommand.RandomModelOn(be, cfg);
            var rng = new Random(1);
            using var sae = new DeviceSae(BenchCommand.RandomGatedSae(cfg.HiddenSize, pr.GetValue(dSae), rng), be);
            var problem = BenchCommand.CleaningBatch(cfg, B, T, L);
            var param = new SaeFeatureVector(sae, l1: 0.05f);
            var theta = param.Initial(BenchCommand.Uniform(rng, cfg.HiddenSize, 1f));
            double step = BenchCommand.Median(n, () => SteeringOptimizer.Optimize(model, problem, param, theta, steps: 1, lr: 1e-2f));
            var fwdReq = new ForwardRequest { Tokens = problem.Tokens, LogitRows = problem.Targets.Select(t => t.Row).ToArray() };
            double fwd = BenchCommand.Median(n, () => model.Forward(fwdReq));

            using var gemm = new GemmProblem(be, B * T, cfg.IntermediateSize, cfg.HiddenSize, cfg.DType);
            double raw = gemm.Flops / gemm.TimeBackend(n), fwdRate = (BenchForward.ForwardFlops(cfg, B, T) + 2.0 * fwdReq.LogitRows.Length * cfg.HiddenSize * cfg.VocabSize) / fwd;
            string gemmShape = $"{gemm.M}x{gemm.K} by {gemm.N}x{gemm.K}, {cfg.DType}";
            List<(string, string)> rows =
            [
                ($"cleaning step ({B} x {T}, backward to resid_pre[{L}], d_sae {sae.Sae.DSae})", $"{step * 1e3:F1} ms"),
                ("1000 cleaning steps", $"{step * 1000:F1} s"),
                ($"forward ({B} x {T})", $"{fwd * 1e3:F1} ms"),
                ("forward TFLOP/s", BenchGemm.Tflops(fwdRate)),
                ($"GEMM TFLOP/s ({gemmShape})", BenchGemm.Tflops(raw)),
                ("forward / GEMM rate", $"{fwdRate / raw:P0}"),
            ];
            if (cublas != null)
            {
                double cub = gemm.Flops / gemm.TimeCublas(cublas, n);
                rows.Add(($"cuBLAS GEMM TFLOP/s ({gemmShape})", BenchGemm.Tflops(cub)));
                rows.Add(("forward / cuBLAS rate", $"{fwdRate / cub:P0}"));
            }
            BenchCommand.Print(rows);
            if (be is ProfilingBackend prof) ProfileTable.Write(prof, 1, $"all ops of the run: {n + 1} cleaning steps, {n + 1} forwards, GEMMs");
            return 0;
        }));
        return cmd;
    }
}
