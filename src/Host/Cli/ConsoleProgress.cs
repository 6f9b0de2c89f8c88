using Spectre.Console;

namespace NativeTV.Host.Cli;

/// <summary>
/// One progress bar around a piece of long work (Spectre.Console), completed when the work returns; without a
/// terminal, lines with elapsed time and time left instead (<see cref="PlainProgress"/>).
/// </summary>
public static class ConsoleProgress
{
    public static T Run<T>(string description, double max, Func<ProgressTask, T> work)
    {
        if (!Screen.IsOutput) return new PlainProgress(Console.Out, description, max).Run(work);
        T result = default!;
        AnsiConsole.Progress().Start(ctx =>
        {
            var bar = ctx.AddTask(Markup.Escape(description), maxValue: Math.Max(1, max));
            result = work(bar);
            bar.Value = bar.MaxValue;
        });
        return result;
    }

    /// <summary>A (task, step) callback for work that runs up to <paramref name="stepsPerTask"/> steps per task: the bar moves a whole task on when the task changes.</summary>
    public static Action<string, int> PerTask(ProgressTask bar, int stepsPerTask, string label)
    {
        string? current = null;
        int offset = -stepsPerTask;
        return (task, step) =>
        {
            if (task != current) { current = task; offset += stepsPerTask; bar.Description = Markup.Escape($"{label}: {task}"); }
            bar.Value = offset + step;
        };
    }
}
