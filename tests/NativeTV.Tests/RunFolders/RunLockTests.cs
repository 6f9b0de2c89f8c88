using System.Diagnostics;
using System.Text.Json;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.RunFolders;

/// <summary>One writer per run folder: a live owner refuses a second, a killed owner's lock is taken over, another host's never.</summary>
public class RunLockTests
{
    private static string LockFile(string dir) => Path.Combine(dir, RunLock.FileName);

    private static void WriteLock(string dir, int pid, string host, DateTime started) =>
        File.WriteAllText(LockFile(dir), JsonSerializer.Serialize(new { Pid = pid, Host = host, Started = started, Command = "sweep" }));

    [Test]
    public void ASecondWriterIsRefusedWithTheOwnersNameAndTheLockGoesWithTheFirst()
    {
        var dir = Fixtures.TempDir();
        using (RunLock.Acquire(dir, "sweep"))
        {
            var e = Assert.Throws<IOException>(() => RunLock.Acquire(dir, "features"));
            Assert.That(e!.Message, Does.Contain($"pid {Environment.ProcessId}").And.Contain("nativetv sweep").And.Contain(RunLock.FileName));
        }
        Assert.That(File.Exists(LockFile(dir)), Is.False);
        using (RunLock.Acquire(dir, "features")) { }
    }

    [Test]
    public void ALockLeftByAKilledRunIsTakenOver()
    {
        var dir = Fixtures.TempDir();
        using var gone = Process.Start("true")!;
        gone.WaitForExit();
        WriteLock(dir, gone.Id, Environment.MachineName, DateTime.UtcNow.AddMinutes(-1));
        using (RunLock.Acquire(dir, "sweep")) Assert.That(File.ReadAllText(LockFile(dir)), Does.Contain($"{Environment.ProcessId}"));

        // A live pid that started after the lock was written is another process that reused the number.
        WriteLock(dir, Environment.ProcessId, Environment.MachineName, Process.GetCurrentProcess().StartTime.ToUniversalTime().AddHours(-1));
        using (RunLock.Acquire(dir, "sweep")) { }
    }

    [Test]
    public void ALockOfAnotherHostOrAnUnreadableOneIsNeverTakenOver()
    {
        var dir = Fixtures.TempDir();
        WriteLock(dir, 1, "some-other-node", DateTime.UtcNow);
        Assert.That(() => RunLock.Acquire(dir, "sweep"), Throws.InstanceOf<IOException>().With.Message.Contains("some-other-node"));
        File.WriteAllText(LockFile(dir), "not json");
        Assert.That(() => RunLock.Acquire(dir, "sweep"), Throws.InstanceOf<IOException>().With.Message.Contains("unreadable lock"));
        Assert.That(File.ReadAllText(LockFile(dir)), Is.EqualTo("not json"), "left as it was");
    }
}
