using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.Sae.Formats;
using NativeTV.Transformer.Checkpoints;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv sae info | encode | pursuit`: SAEs in any supported format. encode and pursuit keep their interfaces exactly.</summary>
public static class SaeCommand
{
    /// <summary>Rows per device batch: bounds memory at [rows, d_sae] floats whatever the input size.</summary>
    private const int Chunk = 1024;

    public static Command Create()
    {
        var cmd = new Command("sae", "Sparse autoencoders: inspect, encode, gradient pursuit");
        cmd.Subcommands.Add(Info());
        cmd.Subcommands.Add(Encode());
        cmd.Subcommands.Add(Pursuit());
        return cmd;
    }

    private static Option<string> SaeOption() => new("--sae") { Description = "SAE folder (SAELens, dictionary_learning ae.safetensors, or Gemma Scope params.npz)", Required = true };

    private static Command Info()
    {
        var sae = SaeOption();
        var cmd = new Command("info", "Architecture, sizes and hook of an SAE") { sae };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            var s = SaeLoader.Load(pr.GetValue(sae)!);
            var t = new Table().AddColumn("field").AddColumn("value");
            void Row(string k, object v) => t.AddRow(k, Markup.Escape(v.ToString()!));
            Row("source", s.Source);
            Row("architecture", s.Arch + (s.Arch == SaeArchitecture.TopK ? $" (k = {s.K})" : ""));
            Row("d_in", s.DIn);
            Row("d_sae", s.DSae);
            Row("hook", s.HookName == "" ? "(not recorded)" : s.HookName);
            Row("hook layer", s.HookLayer >= 0 ? s.HookLayer : "(not recorded)");
            Row("model", s.ModelName == "" ? "(not recorded)" : s.ModelName);
            Row("b_dec subtracted from input", s.ApplyBDecToInput);
            Row("input norm scale (folded into weights)", s.FoldedNormScale?.ToString("G6") ?? "none");
            AnsiConsole.Write(t);
            return 0;
        }));
        return cmd;
    }

    private static Command Encode()
    {
        var sae = SaeOption();
        var device = CommonOptions.Device();
        var input = new Option<string>("--in") { Description = "safetensors with a float tensor `x` [N, d_in]", Required = true };
        var output = new Option<string>("--out") { Description = "writes float32 `f` [N, d_sae] and `x_hat` [N, d_in]", Required = true };
        var cmd = new Command("encode", "Encode vectors with an SAE and reconstruct them") { sae, input, output, device };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            var s = SaeLoader.Load(pr.GetValue(sae)!);
            var (x, n) = ReadMatrix(pr.GetValue(input)!, "x", s.DIn);
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            using var ds = new DeviceSae(s, be);
            var f = new float[(long)n * s.DSae];
            var xHat = new float[(long)n * s.DIn];
            ForChunks(be, x, n, s.DIn, (xm, r0) =>
            {
                var z = be.AllocMat(xm.Rows, s.DSae);
                var xh = be.AllocMat(xm.Rows, s.DIn);
                ds.Encode(xm, z, z);
                ds.Decode(z, xh);
                be.Download(z).CopyTo(f, (long)r0 * s.DSae);
                be.Download(xh).CopyTo(xHat, (long)r0 * s.DIn);
                z.Buf.Dispose(); xh.Buf.Dispose();
            });
            new SafetensorsWriter().AddMetadata("sae", s.Source)
                .Add("f", f, [n, s.DSae]).Add("x_hat", xHat, [n, s.DIn]).Write(pr.GetValue(output)!);
            Console.WriteLine($"wrote {pr.GetValue(output)}: f [{n},{s.DSae}], x_hat [{n},{s.DIn}] ({be.Name})");
            return 0;
        }));
        return cmd;
    }

    private static Command Pursuit()
    {
        var sae = SaeOption();
        var device = CommonOptions.Device();
        var input = new Option<string>("--in") { Description = "safetensors with a float tensor `y` [N, d_in]", Required = true };
        var output = new Option<string>("--out") { Description = "writes float32 `coeffs` [N, d_sae] and `recon` [N, d_in]", Required = true };
        var k = new Option<int>("--k") { Description = "iterations (support size at most k)", DefaultValueFactory = _ => 20 };
        var signed = new Option<bool>("--signed") { Description = "signed coefficients (default: non-negative)" };
        var subtract = new Option<bool>("--subtract-b-dec") { Description = "code y - b_dec and add b_dec back to the reconstruction" };
        var normalize = new Option<bool>("--normalize-rows") { Description = "use unit-norm decoder rows (coefficients refer to them)" };
        var cmd = new Command("pursuit", "Sparse-code vectors over the decoder rows by gradient pursuit") { sae, input, output, k, signed, subtract, normalize, device };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            var s = SaeLoader.Load(pr.GetValue(sae)!);
            var (y, n) = ReadMatrix(pr.GetValue(input)!, "y", s.DIn);
            var opts = new PursuitOptions(pr.GetValue(k), pr.GetValue(signed), pr.GetValue(subtract), pr.GetValue(normalize));
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            using var ds = new DeviceSae(s, be);
            var coeffs = new float[(long)n * s.DSae];
            var recon = new float[(long)n * s.DIn];
            ForChunks(be, y, n, s.DIn, (ym, r0) =>
            {
                var c = be.AllocMat(ym.Rows, s.DSae);
                var rc = be.AllocMat(ym.Rows, s.DIn);
                ds.Pursuit(ym, opts, c, rc);
                be.Download(c).CopyTo(coeffs, (long)r0 * s.DSae);
                be.Download(rc).CopyTo(recon, (long)r0 * s.DIn);
                c.Buf.Dispose(); rc.Buf.Dispose();
            });
            new SafetensorsWriter().AddMetadata("sae", s.Source).AddMetadata("k", opts.K.ToString())
                .AddMetadata("signed", opts.Signed.ToString()).AddMetadata("subtract_b_dec", opts.SubtractBDec.ToString())
                .AddMetadata("normalize_rows", opts.NormalizeRows.ToString())
                .Add("coeffs", coeffs, [n, s.DSae]).Add("recon", recon, [n, s.DIn]).Write(pr.GetValue(output)!);
            Console.WriteLine($"wrote {pr.GetValue(output)}: coeffs [{n},{s.DSae}], recon [{n},{s.DIn}] (k = {opts.K}, {be.Name})");
            return 0;
        }));
        return cmd;
    }

    /// <summary>A float tensor [N, d] (or [d], read as one row) checked against the SAE's d_in.</summary>
    private static (float[] Values, int Rows) ReadMatrix(string path, string name, int dIn)
    {
        using var f = new SafetensorsFile(path);
        if (!f.Contains(name)) throw new CheckpointException(path, $"no tensor named '{name}' (found: {string.Join(", ", f.Tensors.Keys)})");
        var shape = f.Tensors[name].Shape;
        if (shape.Length is < 1 or > 2 || shape[^1] != dIn)
            throw new CheckpointException(path, $"'{name}' has shape [{string.Join(",", shape)}]; expected [N, {dIn}] (the SAE's d_in)");
        return (f.ReadFloats(name), shape.Length == 1 ? 1 : checked((int)shape[0]));
    }

    private static void ForChunks(IBackend be, float[] values, int rows, int cols, Action<Mat, int> body)
    {
        for (int r0 = 0; r0 < rows; r0 += Chunk)
        {
            int n = Math.Min(Chunk, rows - r0);
            var m = be.UploadMat(values.AsSpan((int)((long)r0 * cols), n * cols).ToArray(), n, cols);
            body(m, r0);
            m.Buf.Dispose();
        }
    }
}
