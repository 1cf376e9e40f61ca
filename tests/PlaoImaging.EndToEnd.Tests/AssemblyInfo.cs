[assembly: Xunit.AssemblyFixture(typeof(PlaoImaging.EndToEnd.Tests.Engine))]
[assembly: Xunit.AssemblyFixture(typeof(PlaoImaging.EndToEnd.Tests.SingleStageEngine))]
