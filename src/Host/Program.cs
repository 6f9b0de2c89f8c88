using System.CommandLine;
using NativeTV.Host.Commands;

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
};
return root.Parse(args).Invoke();
