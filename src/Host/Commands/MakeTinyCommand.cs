using NativeTV.Transformer.Files;
using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv make-tiny`: a small random checkpoint in exact Hugging Face layout.</summary>
public static class MakeTinyCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "gemma or phi3", Required = true };
        var outDir = new Option<string>("--out") { Description = "folder to write", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "f32, f16 or bf16", DefaultValueFactory = _ => "f32" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var shards = new Option<int>("--shards") { Description = "write N shards plus model.safetensors.index.json", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => 2 }.AtLeast(1);
        var dModel = new Option<int>("--d-model") { DefaultValueFactory = _ => 64 }.AtLeast(1);
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => 4 }.AtLeast(1);
        var kvHeads = new Option<int>("--kv-heads") { Description = "default: 1 for gemma, --heads for phi3", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var headDim = new Option<int>("--head-dim") { Description = "default: 24 for gemma (not d/heads), d/heads for phi3", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var dMlp = new Option<int>("--d-mlp") { DefaultValueFactory = _ => 128 }.AtLeast(1);
        var vocab = new Option<int>("--vocab") { DefaultValueFactory = _ => 256 }.AtLeast(1);
        var longRope = new Option<bool>("--longrope") { Description = "phi3: longrope scaling with original_max_position_embeddings 16" };
        var partial = new Option<double>("--partial-rotary") { Description = "phi3: partial_rotary_factor", DefaultValueFactory = _ => 1.0 }.Above(0.0);
        var window = new Option<int>("--sliding-window") { Description = "phi3: sliding_window (0 = none)", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var cmd = new Command("make-tiny", "Write a small random Gemma or Phi-3 checkpoint in Hugging Face layout")
        { arch, outDir, dtype, seed, shards, layers, dModel, heads, kvHeads, headDim, dMlp, vocab, longRope, partial, window };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            OutputPath.CheckFolder(pr.GetValue(outDir)!, "--out");
            var a = pr.GetValue(arch) switch
            {
                "gemma" => Architecture.Gemma, "phi3" => Architecture.Phi3,
                var s => throw new ArgumentException($"--arch must be gemma or phi3, not '{s}'"),
            };
            var cfg = RandomModel.TinyConfig(a, DTypes.Parse(pr.GetValue(dtype)!), pr.GetValue(layers), pr.GetValue(dModel), pr.GetValue(heads),
                pr.GetValue(kvHeads), pr.GetValue(headDim), pr.GetValue(dMlp), pr.GetValue(vocab), pr.GetValue(longRope), pr.GetValue(partial), pr.GetValue(window));
            CheckpointWriter.Write(pr.GetValue(outDir)!, cfg, RandomModel.Weights(cfg, pr.GetValue(seed)).ToList(), pr.GetValue(shards));
            Console.WriteLine($"wrote {pr.GetValue(outDir)}: {pr.GetValue(arch)}, {cfg.ParameterCount:N0} parameters, {cfg.DType}");
            return 0;
        }));
        return cmd;
    }
}
