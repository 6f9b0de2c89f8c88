using NativeTV.Transformer.Files;
using System.Text.Json;
using NativeTV.Kernels;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// A run folder held by one writer (<see cref="RunLock"/>), checked to be writable before any work. Its
/// settings.json guards it: a rerun resumes only with the same settings once results exist, so no folder
/// mixes results of two configurations; a restart clears what the run wrote, and only that.
/// </summary>
public sealed class RunFolder : IDisposable
{
    /// <summary>What `sweep` writes.</summary>
    public static readonly string[] SweepOutputs = ["settings.json", EnvironmentFile, "results.jsonl", "results.csv", ResultsLog.RejectedFile, "figures", "cleaned", SweepShard.Folder, Claims.FileName, Repeats.Folder, Repeats.FileName];
    /// <summary>What the feature experiments (`features` and its steps) write.</summary>
    public static readonly string[] FeatureOutputs = ["feature_steering", "detectors", "cross_layer", "maxact", "report.html"];

    /// <summary>Where each command ran (device, BLAS kernels, threads): for reading timings, never part of the settings guard, as it does not change results' meaning.</summary>
    public const string EnvironmentFile = "environment.json";

    private readonly RunLock _lock;
    private readonly string _command;
    public string Dir { get; }
    /// <summary>The sweep shard this process computes, or null for the folder's one writer.</summary>
    public SweepShard? Shard { get; }

    /// <summary>A `sweep --finish`: it computes nothing, so the device-dependent settings (<see cref="ComputeSettings"/>) are not compared.</summary>
    public bool Finishing { get; }

    /// <summary>Settings that say how cells were computed, not what: a finishing run on another device need not match them.</summary>
    public static readonly string[] ComputeSettings = ["precision"];

    private RunFolder(string dir, RunLock l, SweepShard? shard, string command, bool finishing) { Dir = dir; _lock = l; Shard = shard; _command = command; Finishing = finishing; }

    /// <summary>
    /// Makes the folder if absent and takes it for <paramref name="command"/>; <paramref name="option"/> names it in
    /// errors. Shards of a sweep hold it together; a shard and a whole-folder writer never do.
    /// </summary>
    public static RunFolder Open(string dir, string option, string command, SweepShard? shard = null, bool finishing = false)
    {
        OutputPath.CheckFolder(dir, option);
        string name = shard?.LockName ?? RunLock.FileName;
        var l = RunLock.Acquire(dir, command, name);
        try { RunLock.RequireNoOther(dir, name, other => shard is null || other == RunLock.FileName); }
        catch { l.Dispose(); throw; }
        return new RunFolder(dir, l, shard, command, finishing);
    }

    /// <summary>Refuses other settings than the results' (unless restarting, which clears every output of the run first), then records them.</summary>
    public void Guard(IReadOnlyDictionary<string, string> settings, bool restart)
    {
        string path = Path.Combine(Dir, "settings.json");
        if (restart && Shard != null) throw new ArgumentException("--restart clears the whole run folder: run it once without --shard");
        if (restart) Clear([.. SweepOutputs, .. FeatureOutputs]);
        else if (File.Exists(path) && (File.Exists(Results) || ShardLogs().Any()))
        {
            Dictionary<string, string> old;
            try { old = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? []; }
            catch (JsonException e) { throw new FormatException($"{path}: not a settings file written by sweep ({e.Message}); use another --out, or --restart"); }
            var diff = settings.Where(kv => old.GetValueOrDefault(kv.Key) != kv.Value && !(Finishing && ComputeSettings.Contains(kv.Key))).Select(kv => $"{kv.Key} {old.GetValueOrDefault(kv.Key) ?? "(none)"} -> {kv.Value}").ToList();
            if (diff.Count > 0) throw new ArgumentException($"{Dir} holds a run with other settings ({string.Join("; ", diff)}): use another --out, or --restart");
            return;
        }
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(settings, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Records in environment.json the backend this folder's command runs on, next to other commands' entries.</summary>
    public void RecordEnvironment(IBackend be)
    {
        string path = Path.Combine(Dir, EnvironmentFile);
        Dictionary<string, string> all;
        try { all = File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? [] : []; }
        catch (JsonException) { all = []; }
        all[_command] = $"{be.Name}: {be.DeviceDescription}";
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(all, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Deletes these entries of the folder (files or folders); anything else a person put there stays.</summary>
    public void Clear(IEnumerable<string> entries)
    {
        foreach (var e in entries)
        {
            string p = Path.Combine(Dir, e);
            if (Directory.Exists(p)) Directory.Delete(p, recursive: true);
            else File.Delete(p);
        }
    }

    /// <summary>A run folder inside this one (a repeated sweep's seed), taken for the same command and shard.</summary>
    public RunFolder Inner(string relative) => Open(Path.Combine(Dir, relative), "--out", _command, Shard, Finishing);

    public string Results => Path.Combine(Dir, "results.jsonl");
    /// <summary>The results log this process appends to: results.jsonl, or its shard's own.</summary>
    public string Log => Shard is null ? Results : Path.Combine(Dir, SweepShard.Folder, Shard.LogName);
    /// <summary>Every shard's results log in the folder.</summary>
    public IEnumerable<string> ShardLogs()
    {
        string dir = Path.Combine(Dir, SweepShard.Folder);
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "results.*-of-*.jsonl").Order(StringComparer.Ordinal) : [];
    }
    public string Cleaned => Path.Combine(Dir, "cleaned");
    public string FeatureSteering => Path.Combine(Dir, "feature_steering");
    public string Detectors => Path.Combine(Dir, "detectors");
    public string CrossLayer => Path.Combine(Dir, "cross_layer");
    public string MaxAct => Path.Combine(Dir, "maxact");

    public void Dispose() => _lock.Dispose();
}
