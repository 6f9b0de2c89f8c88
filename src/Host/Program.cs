using System.CommandLine;
using NativeTV.Host.Commands;

// First: it may re-run this process with a better OpenBLAS kernel set, before anything is printed.
NativeTV.Kernels.Cpu.BlasCoreSetup.Apply();

var root = new RootCommand("NativeTV: SAE features behind in-context-learning task vectors, on Gemma 1 and Phi-3")
{
    InfoCommand.Create(),
    TraceCommand.Create(),
    GenerateCommand.Create(),
    MakeTinyCommand.Create(),
    BenchCommand.Create(),
    SaeCommand.Create(),
    OrganismCommand.Create(),
    SweepCommand.Create(),
    CleanCommand.Create(),
    FeatureSteerCommand.Create(),
    MaxActCommand.Create(),
    DetectorsCommand.Create(),
    CrossLayerCommand.Create(),
    FeaturesCommand.Create(),
    ReportCommand.Create(),
    TasksCommand.Create(),
    SlurmCommand.Create(),
    TokenizeCommand.Create(),
};
var nvtx = new Option<bool>("--nvtx") { Recursive = true, Description = "NVTX ranges per op and model stage for Nsight Systems (also NATIVETV_NVTX=1); needs libnvToolsExt.so.1" };
root.Options.Add(nvtx);
var precision = NativeTV.Host.Cli.CommonOptions.Precision();
root.Options.Add(precision);
var parsed = root.Parse(args);
if (parsed.Errors.Count == 0) NativeTV.Host.Cli.CommonOptions.UsePrecision(parsed, precision);
if (parsed.GetValue(nvtx) && NativeTV.Kernels.Native.Nvtx.Enable() is { } why) Console.Error.WriteLine($"note: --nvtx records nothing: {why}");
// A command's bad option values are one `error:` line each, like errors in its work; a bare group (nativetv, bench) shows its help.
if (parsed.Errors.Count > 0 && parsed.CommandResult.Command.Subcommands.Count == 0)
    return NativeTV.Host.Cli.CliErrors.Report(parsed.Errors.Select(e => e.Message));
return parsed.Invoke();
