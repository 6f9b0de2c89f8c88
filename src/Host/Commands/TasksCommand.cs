using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.TaskVectors;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv tasks list [--tasks PATH]`: which ICL tasks a run would use, to check files load before a long run.</summary>
public static class TasksCommand
{
    public static Command Create()
    {
        var cmd = new Command("tasks", "In-context-learning tasks: Hendel et al. or Todd et al. JSON files, or the organism's 12");
        cmd.Subcommands.Add(List());
        return cmd;
    }

    private static Command List()
    {
        var tasks = CommonOptions.Tasks();
        var model = CommonOptions.Model();
        var cmd = new Command("list", "List tasks with their pair counts and one example pair") { tasks, model };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            string dir = CommonOptions.ModelDir(pr, model);
            var list = CommonOptions.LoadTasks(pr, tasks, dir);
            var t = new Table().AddColumn("task").AddColumn(new TableColumn("pairs").RightAligned()).AddColumn("splits").AddColumn("example");
            foreach (var task in list)
            {
                var (x, y) = task.Pairs[0];
                string splits = task.Splits is null ? "-" : string.Join(", ", task.Splits.GroupBy(s => s ?? "(none)").Select(g => $"{g.Key} {g.Count()}"));
                t.AddText(task.Name, $"{task.Pairs.Count}", splits, $"{Flat(x)} -> {Flat(y)}");
            }
            t.Caption($"{list.Count} tasks from {Markup.Escape(pr.GetValue(tasks) ?? ModelManifest.Read(dir).TasksPath ?? dir)}");
            AnsiConsole.Write(t);
            return 0;
        }));
        return cmd;
    }

    private static string Flat(string s)
    {
        s = s.Replace("\n", "\\n");
        return s.Length <= 40 ? s : s[..40] + "...";
    }
}
