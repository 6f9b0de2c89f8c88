/// <summary>
/// Every backend of the test run checks the op contract (<see cref="NativeTV.Kernels.CheckedBackend"/>):
/// set for the whole assembly (no namespace), and inherited by the `nativetv` processes CLI tests spawn.
/// </summary>
[SetUpFixture]
public class CheckedBackendSetup
{
    [OneTimeSetUp] public void CheckBackendContracts() => Environment.SetEnvironmentVariable("NATIVETV_CHECK_BACKEND", "1");
}
