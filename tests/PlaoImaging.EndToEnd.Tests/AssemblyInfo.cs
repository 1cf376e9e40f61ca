[assembly: Xunit.AssemblyFixture(typeof(PlaoImaging.EndToEnd.Tests.Engine))]
