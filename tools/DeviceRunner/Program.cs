using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

// Runs the test assembly in-process with NUnit's own runner, for machines with a .NET runtime but no SDK.
// Arguments: substrings of full test names to run (none = all). NATIVETV_TEST_DEVICES picks the backends.
var runner = new NUnitTestAssemblyRunner(new DefaultTestAssemblyBuilder());
runner.Load(typeof(NativeTV.Tests.Fixtures).Assembly, new Dictionary<string, object>());
// NUnit redirects Console.Out while tests run: report through the original writer.
var listener = new Listener(Console.Out);
runner.Run(listener, new NameFilter(args));
Console.WriteLine($"{listener.Passed} passed, {listener.Failed} failed");
return listener.Failed == 0 && listener.Passed > 0 ? 0 : 1;

sealed class NameFilter(string[] parts) : TestFilter
{
    public override bool Match(ITest test) => parts.Length == 0 || test.IsSuite || parts.Any(p => test.FullName.Contains(p));
    public override bool Pass(ITest test) => Match(test) || test.IsSuite;
    public override TNode AddToXml(TNode parentNode, bool recursive) => parentNode.AddElement("filter");
}

sealed class Listener(TextWriter report) : ITestListener
{
    public int Passed, Failed;
    public void TestStarted(ITest test) { }
    public void TestFinished(ITestResult r)
    {
        if (r.Test.IsSuite) return;
        if (r.ResultState.Status == TestStatus.Passed) Passed++;
        else if (r.ResultState.Status == TestStatus.Failed) { Failed++; report.WriteLine($"FAILED {r.FullName}: {r.Message}"); }
        report.WriteLine($"{r.ResultState.Status,-8} {r.Duration,7:F2}s {r.FullName}");
    }
    public void TestOutput(TestOutput output) { }
    public void SendMessage(TestMessage message) { }
}
