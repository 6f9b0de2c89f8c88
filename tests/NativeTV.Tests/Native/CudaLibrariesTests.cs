using NativeTV.Kernels;
using NativeTV.Kernels.Ilgpu;
using NativeTV.Kernels.Native;

namespace NativeTV.Tests.Native;

/// <summary>Where CUDA libraries are looked for, and the one-line errors where they or a GPU are absent.</summary>
public class CudaLibrariesTests
{
    [Test]
    public void AnAbsentLibraryIsOneLineNamingItAndHowToInstallIt()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CudaLibraries.Load("cuBLASLt", ["libnativetv-absent.so.12"], "cublas"));
        Assert.That(e!.Message, Does.StartWith("cuBLASLt not found: none of libnativetv-absent.so.12 in LD_LIBRARY_PATH").And.Contain("pip install nvidia-cublas").And.Not.Contain("\n"));
    }

    [Test]
    public void SearchesTheLoaderPathCudaInstallsAndTheWheelsLibFolders()
    {
        var dirs = CudaLibraries.Folders("cublas").ToList();
        foreach (var d in (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            Assert.That(dirs, Does.Contain(d));
        Assert.That(dirs.Where(d => d.Contains("site-packages")), Is.All.Matches<string>(d => d.EndsWith("nvidia/cublas/lib") || d.EndsWith("nvidia/cu13/lib") || d.EndsWith("nvidia/cu12/lib")));
    }

    [Test]
    public void CublasRunsOnlyOnCuda()
    {
        using var cpu = BackendFactory.Create("cpu");
        var e = Assert.Throws<ArgumentException>(() => new CublasMatMul(cpu));
        Assert.That(e!.Message, Is.EqualTo("cuBLAS runs on --device cuda, not cpu"));
    }
}
