using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Interop.Tests.Network;

/// <summary>
/// DCMTK's storescu sends many instances over one association to the real <c>plao listen</c>; storescu proposes each
/// file's own (SOP class, transfer syntax) in a context of its own, so nothing is converted on the way. Every instance
/// must be stored at OUT/Study/Series/SOP.dcm in the syntax it was sent in and equal the original element by element
/// (DCMTK's dcmdump on both sides, outside group 0002).
/// </summary>
[Trait("Category", "slow")]
public sealed class StoreToListenerTests
{
    [Fact]
    public void Storescu_GeneratedFilesInSixSyntaxesOnOneAssociation_AllArriveUnchanged()
    {
        var files = NetworkSources.All();
        Assert.Equal(6, files.Select(f => DcmtkDump.Of(f, printAll: false).TransferSyntax).Distinct().Count());
        SendAndCheck("net-storescu-generated", files);
    }

    [Fact]
    public void Storescu_CorpusFilesOnOneAssociation_AllArriveUnchanged()
    {
        SendAndCheck("net-storescu-corpus", NetworkSources.Corpus());
    }

    private static void SendAndCheck(string name, IReadOnlyList<string> files)
    {
        Peers.Require("storescu");
        string scratch = Peers.ScratchDirectory(name);
        using var listener = PlaoListener.Start(Path.Combine(scratch, "out"));
        NetworkPeers.Storescu(scratch, listener.Port, files);
        listener.WaitForStored(files.Count, TimeSpan.FromSeconds(30));
        listener.AssertReceivedUnchanged(files);
        listener.StopAndAssertClean();
    }
}
