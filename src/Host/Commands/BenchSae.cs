using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.Sae.Training;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv bench sae`: encode tokens/s and gradient-pursuit vectors/s on a random SAE, with the
/// backend's raw GEMM rate on the encoder's matmul measured in the same run as the baseline.
/// </summary>
public static class BenchSae
{
    public static Command Create()
    {
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var dIn = new Option<int>("--d-in") { DefaultValueFactory = _ => 2048 }.AtLeast(1);
        var dSae = new Option<int>("--d-sae") { DefaultValueFactory = _ => 32768 }.AtLeast(1);
        var k = new Option<int>("--k") { DefaultValueFactory = _ => 20 }.AtLeast(1);
        var vectors = new Option<int>("--vectors") { Description = "vectors per pursuit batch", DefaultValueFactory = _ => 256 }.AtLeast(1);
        var tokens = new Option<int>("--tokens") { Description = "tokens per encode batch", DefaultValueFactory = _ => 1024 }.AtLeast(1);
        var reps = new Option<int>("--reps") { DefaultValueFactory = _ => 3 }.AtLeast(1);
        var cmd = new Command("sae", "SAE encode and training tokens/s and gradient pursuit vectors/s vs the raw GEMM rate") { device, threads, dIn, dSae, k, vectors, tokens, reps };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            int di = pr.GetValue(dIn), ds = pr.GetValue(dSae), n = pr.GetValue(reps), V = pr.GetValue(vectors), T = pr.GetValue(tokens);
            var rng = new Random(1);
            var sae = BenchCommand.RandomGatedSae(di, ds, rng);
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            Console.WriteLine($"{be.DeviceDescription}; gated SAE d_in {di}, d_sae {ds}, k {pr.GetValue(k)}");
            using var dsae = new DeviceSae(sae, be);
            var x = be.UploadMat(BenchCommand.Uniform(rng, T * di, 1f), T, di);
            var z = be.AllocMat(T, ds);
            double encode = BenchCommand.Median(n, () => { dsae.Encode(x, z, z); be.Synchronize(); });
            var y = be.UploadMat(BenchCommand.Uniform(rng, V * di, 1f), V, di);
            var coeffs = be.AllocMat(V, ds);
            var recon = be.AllocMat(V, di);
            double pursuit = BenchCommand.Median(n, () => { dsae.Pursuit(y, new PursuitOptions(pr.GetValue(k)), coeffs, recon); be.Synchronize(); });
            double train, trainGated;
            using (var trainer = SaeTrainer.Create(be, di, new SaeTrainOptions(ds)))
                train = BenchCommand.Median(n, () => { trainer.Step(x); be.Synchronize(); });
            using (var trainer = SaeTrainer.Create(be, di, new SaeTrainOptions(ds, Arch: SaeArchitecture.Gated)))
                trainGated = BenchCommand.Median(n, () => { trainer.Step(x); be.Synchronize(); });
            using var w = be.Upload(HostTensor.FromFloats("w", BenchCommand.Uniform(rng, ds * di, 0.05f), [ds, di]));
            double gemm = BenchCommand.Median(n, () => { be.MatMul(x, w, z); be.Synchronize(); });
            double gemmRate = 2.0 * T * ds * di / gemm;
            BenchCommand.Print([
                ($"encode ({T} tokens)", $"{encode * 1e3:F1} ms, {T / encode:F0} tokens/s"),
                ("encode GFLOP/s (its GEMM)", $"{2.0 * T * ds * di / encode / 1e9:F1}"),
                ($"raw GEMM GFLOP/s ({T}x{di} by {ds}x{di})", $"{gemmRate / 1e9:F1}"),
                ($"ReLU SAE training step ({T} vectors)", $"{train * 1e3:F1} ms, {T / train:F0} tokens/s"),
                ("ReLU training GFLOP/s (its 6 GEMMs: encode, decode, 2 weight grads, 2 input grads)", $"{6 * 2.0 * T * ds * di / train / 1e9:F1}"),
                ($"gated SAE training step ({T} vectors)", $"{trainGated * 1e3:F1} ms, {T / trainGated:F0} tokens/s"),
                ("gated training GFLOP/s (its 8 GEMMs: ReLU's + the aux decode and its input grad)", $"{8 * 2.0 * T * ds * di / trainGated / 1e9:F1}"),
                ($"gradient pursuit ({V} vectors, k {pr.GetValue(k)})", $"{pursuit * 1e3:F1} ms, {V / pursuit:F0} vectors/s"),
                ("pursuit GFLOP/s (its one dense GEMM per step, c = D r; the rest is sparse)", $"{2.0 * V * ds * di * pr.GetValue(k) / pursuit / 1e9:F1}"),
            ]);
            foreach (var m in new[] { x, z, y, coeffs, recon }) m.Buf.Dispose();
            return 0;
        }));
        return cmd;
    }
}
