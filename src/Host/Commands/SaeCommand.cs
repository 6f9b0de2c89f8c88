using NativeTV.Transformer.Files;
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
        cmd.Subcommands.Add(SaeTrainCommand.Create());
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
            var t = TextTable.Create("field", "value");
            void Row(string k, object v) => t.AddText(k, $"{v}");
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
        var threads = CommonOptions.Threads();
        var input = new Option<string>("--in") { Description = "safetensors with a float tensor `x` [N, d_in]", Required = true };
        var output = new Option<string>("--out") { Description = "writes float32 `f` [N, d_sae] and `x_hat` [N, d_in]", Required = true };
        var cmd = new Command("encode", "Encode vectors with an SAE and reconstruct them") { sae, input, output, device, threads };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            return MapRows(pr.GetValue(sae)!, pr.GetValue(input)!, "x", pr.GetValue(output)!, pr.GetValue(device)!,
                ("f", s => s.DSae), ("x_hat", s => s.DIn), [],
                (ds, x, f, xHat) => { ds.Encode(x, f, f); ds.Decode(f, xHat); });
        }));
        return cmd;
    }

    private static Command Pursuit()
    {
        var sae = SaeOption();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var input = new Option<string>("--in") { Description = "safetensors with a float tensor `y` [N, d_in]", Required = true };
        var output = new Option<string>("--out") { Description = "writes float32 `coeffs` [N, d_sae] and `recon` [N, d_in]", Required = true };
        var k = new Option<int>("--k") { Description = "iterations (support size at most k)", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var signed = new Option<bool>("--signed") { Description = "signed coefficients (default: non-negative)" };
        var subtract = new Option<bool>("--subtract-b-dec") { Description = "code y - b_dec and add b_dec back to the reconstruction" };
        var normalize = new Option<bool>("--normalize-rows") { Description = "use unit-norm decoder rows (coefficients refer to them)" };
        var cmd = new Command("pursuit", "Sparse-code vectors over the decoder rows by gradient pursuit") { sae, input, output, k, signed, subtract, normalize, device, threads };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            var opts = new PursuitOptions(pr.GetValue(k), pr.GetValue(signed), pr.GetValue(subtract), pr.GetValue(normalize));
            return MapRows(pr.GetValue(sae)!, pr.GetValue(input)!, "y", pr.GetValue(output)!, pr.GetValue(device)!,
                ("coeffs", s => s.DSae), ("recon", s => s.DIn),
                [("k", opts.K.ToString()), ("signed", opts.Signed.ToString()), ("subtract_b_dec", opts.SubtractBDec.ToString()), ("normalize_rows", opts.NormalizeRows.ToString())],
                (ds, y, coeffs, recon) => ds.Pursuit(y, opts with { K = OptionRules.AtMost("--k", opts.K, ds.Sae.DSae, "the SAE's d_sae") }, coeffs, recon));
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

    /// <summary>
    /// Reads tensor <paramref name="inName"/> [N, d_in], runs <paramref name="compute"/> on the device in
    /// chunks of rows, and writes its two float32 outputs [N, width] with the SAE's provenance.
    /// </summary>
    private static int MapRows(string saePath, string inPath, string inName, string outPath, string device,
        (string Name, Func<NativeTV.Sae.Sae, int> Width) outA, (string Name, Func<NativeTV.Sae.Sae, int> Width) outB,
        (string Key, string Value)[] metadata, Action<DeviceSae, Mat, Mat, Mat> compute)
    {
        OutputPath.CheckFile(outPath, "--out");
        var s = SaeLoader.Load(saePath);
        var (values, n) = ReadMatrix(inPath, inName, s.DIn);
        using var be = CommonOptions.CreateBackend(device);
        using var ds = new DeviceSae(s, be);
        int wa = outA.Width(s), wb = outB.Width(s);
        var a = new float[(long)n * wa];
        var b = new float[(long)n * wb];
        for (int r0 = 0; r0 < n; r0 += Chunk)
        {
            int m = Math.Min(Chunk, n - r0);
            Mat x = be.UploadMat(values.AsSpan((int)((long)r0 * s.DIn), m * s.DIn).ToArray(), m, s.DIn), ma = be.AllocMat(m, wa), mb = be.AllocMat(m, wb);
            compute(ds, x, ma, mb);
            be.Download(ma).CopyTo(a, (long)r0 * wa);
            be.Download(mb).CopyTo(b, (long)r0 * wb);
            x.Buf.Dispose(); ma.Buf.Dispose(); mb.Buf.Dispose();
        }
        var file = new SafetensorsWriter().AddMetadata("sae", s.Source);
        foreach (var (key, value) in metadata) file.AddMetadata(key, value);
        file.Add(outA.Name, a, [n, wa]).Add(outB.Name, b, [n, wb]).Write(outPath);
        Console.WriteLine($"wrote {outPath}: {outA.Name} [{n},{wa}], {outB.Name} [{n},{wb}] ({be.Name})");
        return 0;
    }
}
