using System.CommandLine;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv organism train|check`: the built-in model organism of ORGANISM.md.</summary>
public static class OrganismCommand
{
    public static Command Create()
    {
        var cmd = new Command("organism", "The built-in model organism: a small Phi-3 trained by NativeTV on a synthetic world with 12 known tasks");
        cmd.Subcommands.Add(OrganismTrainCommand.Create());
        cmd.Subcommands.Add(OrganismCheckCommand.Create());
        return cmd;
    }
}
