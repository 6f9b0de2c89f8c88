/// <summary>
/// Backends of the test run compute in float32 unless a test asks for bf16 (the tests' bounds are float32's,
/// and cuda's default is bf16): set for the whole assembly and inherited by the `nativetv` processes CLI tests spawn.
/// </summary>
[SetUpFixture]
public class PrecisionSetup
{
    [OneTimeSetUp] public void Float32Backends() => Environment.SetEnvironmentVariable("NATIVETV_PRECISION", "f32");
}
