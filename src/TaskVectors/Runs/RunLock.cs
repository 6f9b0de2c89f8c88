using System.Diagnostics;
using System.Text.Json;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// One writer per run folder: RUN/.nativetv.lock, created exclusively, names the owner's pid, host and start
/// time, and is removed on dispose. A second writer gets an error naming the owner. A lock whose owner is gone
/// (same host, and that pid is not running or was started after the lock: a killed run) is stale and taken over.
/// The shards of a sweep each hold a lock of their own name (RUN/.nativetv.shard-I-of-N.lock).
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = ".nativetv.lock";
    private const string Prefix = ".nativetv", Suffix = ".lock";
    private sealed record Owner(int Pid, string Host, DateTime Started, string Command);

    private readonly string _path;

    private RunLock(string path) => _path = path;

    /// <summary>Takes RUN/<paramref name="name"/> for <paramref name="command"/>, or throws naming its live owner.</summary>
    public static RunLock Acquire(string runDir, string command, string name = FileName)
    {
        string path = Path.Combine(runDir, name);
        var me = new Owner(Environment.ProcessId, Environment.MachineName, DateTime.UtcNow, command);
        // A few rounds: the owner may finish, or another process may take a stale lock, between two steps.
        for (int round = 0; round < 3; round++)
        {
            if (TryCreate(path, me)) return new RunLock(path);
            var owner = Read(path);
            if (owner == null)
            {
                if (File.Exists(path)) throw new IOException($"{path}: unreadable lock file; delete it if no nativetv run is using {runDir}");
                continue;
            }
            if (!IsStale(owner)) throw InUse(runDir, path, owner);
            Console.Error.WriteLine($"note: {path} was left by pid {owner.Pid}, which is no longer running; taken over");
            File.Delete(path);
        }
        throw new IOException($"{runDir}: other nativetv runs keep taking the folder ({path})");
    }

    /// <summary>Throws when another live lock than <paramref name="mine"/> of the folder matches <paramref name="conflicts"/> (by file name).</summary>
    public static void RequireNoOther(string runDir, string mine, Func<string, bool> conflicts)
    {
        // Dot files count as hidden on Unix, which enumeration skips by default.
        foreach (var path in Directory.EnumerateFiles(runDir, Prefix + "*" + Suffix, new EnumerationOptions { AttributesToSkip = 0 }))
        {
            string name = Path.GetFileName(path);
            if (name == mine || !conflicts(name)) continue;
            if (Read(path) is { } owner && !IsStale(owner)) throw InUse(runDir, path, owner);
        }
    }

    private static IOException InUse(string runDir, string path, Owner owner) =>
        new($"{runDir}: in use by `nativetv {owner.Command}` (pid {owner.Pid} on {owner.Host}, since {owner.Started:yyyy-MM-dd HH:mm:ss} UTC); " +
            $"wait for it, use another folder, or delete {path} if that run is gone");

    private static bool TryCreate(string path, Owner me)
    {
        try
        {
            using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            JsonSerializer.Serialize(f, me);
            return true;
        }
        catch (IOException) when (File.Exists(path)) { return false; }
    }

    /// <summary>The owner, or null when there is no lock or it stays unreadable (a new lock is created before its owner is written into it, so a short wait is allowed).</summary>
    private static Owner? Read(string path)
    {
        for (int attempt = 0; attempt < 20 && File.Exists(path); attempt++)
        {
            try { return JsonSerializer.Deserialize<Owner>(File.ReadAllText(path)); }
            catch (Exception e) when (e is JsonException or IOException) { Thread.Sleep(50); }
        }
        return null;
    }

    /// <summary>Only a lock of this host can be judged; one of another host (a shared file system) is never taken over.</summary>
    private static bool IsStale(Owner o)
    {
        if (o.Host != Environment.MachineName) return false;
        try
        {
            using var p = Process.GetProcessById(o.Pid);
            return p.HasExited || p.StartTime.ToUniversalTime() > o.Started.AddSeconds(1);
        }
        catch (ArgumentException) { return true; }   // no such process
    }

    public void Dispose() => File.Delete(_path);
}
