using NativeTV.Transformer.Files;
using System.Diagnostics;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Tests.RunFolders;

/// <summary>
/// Writing an output never harms what is at the path: a symlink stays a link (its target is written), a
/// FIFO or device is written through (not replaced by a regular file), and a place that cannot take the
/// output is an error naming the option before any work.
/// </summary>
public class OutputPathTests
{
    [Test]
    public void ASymlinkStaysALinkAndItsTargetIsWritten()
    {
        var dir = Fixtures.TempDir();
        string target = Path.Combine(dir, "real.json"), link = Path.Combine(dir, "link.json");
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(link, target);
        AtomicFile.WriteAllText(link, "new");
        Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(target));
        Assert.That(File.ReadAllText(target), Is.EqualTo("new"));

        new SafetensorsWriter().Add("x", [1f, 2f], [2]).Write(link);
        Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(target));
        using var f = new SafetensorsFile(target);
        Assert.That(f.ReadFloats("x"), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void AFifoIsWrittenThroughAndStaysAFifo()
    {
        var fifo = Path.Combine(Fixtures.TempDir(), "pipe");
        Process.Start("mkfifo", fifo).WaitForExit();
        Assert.That(OutputPath.IsSpecial(fifo), "mkfifo made a FIFO");
        var reader = Task.Run(() => File.ReadAllText(fifo));
        AtomicFile.WriteAllText(fifo, "through the pipe");
        Assert.That(reader.Wait(10_000), "the reader got the text");
        Assert.That(reader.Result, Is.EqualTo("through the pipe"));
        Assert.That(OutputPath.IsSpecial(fifo), "still a FIFO");
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(fifo)!, "*.tmp"), Is.Empty, "no temporary file beside it");
    }

    [Test]
    public void ADeviceIsWrittenThroughNeverReplaced()
    {
        Assert.That(OutputPath.IsSpecial("/dev/null"));
        AtomicFile.WriteAllText("/dev/null", "discarded");
        Assert.That(OutputPath.IsSpecial("/dev/null"), "/dev/null is still a device");
        // /dev/full refuses every write: the error reaches the caller and the device stays.
        Assert.Throws<IOException>(() => AtomicFile.WriteAllText("/dev/full", "no room"));
        Assert.That(OutputPath.IsSpecial("/dev/full"));
        Assert.That(OutputPath.IsSpecial(Fixtures.TempDir()), Is.False);
    }

    [Test]
    public void PlacesThatCannotTakeTheOutputAreErrorsNamingTheOption()
    {
        var dir = Fixtures.TempDir();
        var file = Path.Combine(dir, "a-file");
        File.WriteAllText(file, "x");
        Assert.That(() => OutputPath.CheckFolder(file, "--out"), Throws.ArgumentException.With.Message.Contains("--out").And.Message.Contains("is a file"));
        Assert.That(() => OutputPath.CheckFile(dir, "--out"), Throws.ArgumentException.With.Message.Contains("is a folder"));
        // Under /proc nobody, root included, can make files.
        Assert.That(() => OutputPath.CheckFolder("/proc/self/nativetv-run", "--run"), Throws.ArgumentException.With.Message.Contains("--run").And.Message.Contains("cannot write there"));
        Assert.That(() => OutputPath.CheckFile("/proc/self/out.safetensors", "--out"), Throws.ArgumentException.With.Message.Contains("cannot write there"));
        Assert.That(() => AtomicFile.WriteAllText(dir, "x"), Throws.InstanceOf<IOException>().With.Message.Contains("is a folder"));

        OutputPath.CheckFolder(Path.Combine(dir, "new", "run"), "--out");
        Assert.That(Directory.Exists(Path.Combine(dir, "new", "run")));
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(dir, "new", "run")), Is.Empty, "the probe file is removed");
    }
}
