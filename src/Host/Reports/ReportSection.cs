namespace NativeTV.Host.Reports;

/// <summary>One section of the report: its anchor id, its title in the page and the nav list, and its body markup.</summary>
public sealed record ReportSection(string Id, string Title, string Body);
