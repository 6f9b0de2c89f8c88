using System.Globalization;
using Spectre.Console;

namespace NativeTV.Host.Cli;

/// <summary>
/// Progress for output that is not a terminal (a log file, a batch job): a start line, then a line at every further
/// tenth of the work with the elapsed time and an estimate of the time left, then a done line. A redrawn bar would
/// leave a log only a few sampled frames with no times.
/// </summary>
public sealed class PlainProgress(TextWriter output, string description, double max, TimeSpan? poll = null)
{
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly TimeSpan _poll = poll ?? TimeSpan.FromSeconds(1);

    public T Run<T>(Func<ProgressTask, T> work)
    {
        var bar = new ProgressTask(0, description, Math.Max(1, max), autoStart: true, _time);
        long start = _time.GetTimestamp();
        output.WriteLine($"{description}: started, {max:N0} steps");
        int tenths = 0;
        using var timer = new Timer(_ => Report(), null, _poll, _poll);
        var result = work(bar);
        timer.Change(Timeout.Infinite, Timeout.Infinite);
        lock (output) output.WriteLine($"{description}: done in {Duration(_time.GetElapsedTime(start))}");
        return result;

        void Report()
        {
            lock (output)
            {
                double done = bar.Value / bar.MaxValue;
                if ((int)(done * 10) <= tenths || done >= 1) return;
                tenths = (int)(done * 10);
                var elapsed = _time.GetElapsedTime(start);
                output.WriteLine($"{Markup.Remove(bar.Description)}: {(int)(done * 100)}%, {Duration(elapsed)} elapsed, about {Duration(elapsed * ((1 - done) / done))} left");
            }
        }
    }

    private static string Duration(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
