using Xunit;

namespace PlaoImaging.Reporting.Tests;

public sealed class ReportingAssemblyTests
{
    [Fact]
    public void VersionIsThreePartNumber()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+$", ReportingAssembly.Version);
    }
}
