using System.Net.Sockets;
using PlaoImaging.Dicom.Network.Tests.Support;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.Services;

/// <summary>The point in a C-STORE at which the raw peer disconnects.</summary>
public enum DisconnectStage
{
    AfterConnect,
    MidAssociateRequest,
    AfterAccept,
    MidCommand,
    AfterCommand,
    MidDataSet,
    AfterLastFragment,
}

/// <summary>
/// <see cref="DicomServer"/> against peers that misbehave on a bare socket: garbage, PDUs out of order, disconnects at
/// every stage of a C-STORE, a peer that trickles bytes, hundreds of connections at once, silent connections, and
/// fuzzed streams. Whatever they do, they end only their own association: no temp file stays, nothing incomplete is
/// stored, and the next client is served.
/// </summary>
[Trait("Category", "unit")]
public sealed class BadPeerTests
{
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(30);

    [Theory]
    [Trait("Category", "slow")]
    [InlineData("GET / HTTP/1.1\r\nHost: pacs\r\n\r\n")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003")] // a TLS ClientHello start
    [InlineData("\u0001\u0000\u0000\u0000\u0000\u0044hello")] // A-ASSOCIATE-RQ header, then too little and wrong
    [InlineData("\u0001\u0000\u0000\u0000\u0000\u0004\u0000\u0001\u0000\u0000")] // A-ASSOCIATE-RQ of 4 bytes
    public async Task Garbage_InsteadOfAssociateRequest_AbortOrCloseThenEchoServed(string garbage)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("garbage", o => o with { ArtimTimeout = TimeSpan.FromSeconds(2) });
        var peer = await server.ConnectRawAsync(ct);
        await using (peer)
        {
            await peer.SendBytesAsync(garbage.Select(c => (byte)c).ToArray(), ct);

            var (closed, received) = await peer.WaitForCloseAsync(CloseWait, ct);

            Assert.True(closed, "the server kept the connection open after garbage");
            Assert.All(received, p => Assert.IsType<AbortPdu>(p));
        }

        await server.AssertEchoAsync(ct);
        await server.AssertIdleAsync(ct);
    }

    [Fact]
    public async Task DataPdu_BeforeAssociation_Aborted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("pdata-first");
        var peer = await server.ConnectRawAsync(ct);
        await using (peer)
        {
            await peer.SendCommandAsync(1, DimseCommand.EchoRequest(1), ct);

            var (closed, received) = await peer.WaitForCloseAsync(CloseWait, ct);

            Assert.True(closed);
            // AA-1 (PS3.8 Table 9-9): from Sta2 the A-ABORT carries service-user source.
            var abort = Assert.IsType<AbortPdu>(Assert.Single(received));
            Assert.Equal(AbortSource.ServiceUser, abort.Source);
        }

        await server.AssertEchoAsync(ct);
    }

    [Theory]
    [InlineData(DisconnectStage.AfterConnect)]
    [InlineData(DisconnectStage.MidAssociateRequest)]
    [InlineData(DisconnectStage.AfterAccept)]
    [InlineData(DisconnectStage.MidCommand)]
    [InlineData(DisconnectStage.AfterCommand)]
    [InlineData(DisconnectStage.MidDataSet)]
    [InlineData(DisconnectStage.AfterLastFragment)]
    public async Task Disconnect_AtEveryStageOfAStore_NoTempFileNothingIncompleteStoredEchoServed(DisconnectStage stage)
    {
        var ct = TestContext.Current.CancellationToken;
        var handler = new RecordingStoreHandler(new EventSequence());
        await using var server = TestServer.Start("disconnect-" + stage, o => o with { StoreHandlerFactory = _ => handler });
        var dataset = TestInstances.NewImage(rows: 64, columns: 64);
        string source = TestInstances.Write(dataset, Path.Combine(server.Scratch, "source.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian);
        var dataSet = TestInstances.DataSetBytes(source);
        const int fragment = 1024;
        var request = RawPeer.Request("TESTSCP", new PresentationContextProposal(1, SamplePdus.SecondaryCaptureImageStorage, [SamplePdus.ExplicitVRLittleEndian]));
        var command = DimseCommand.StoreRequest(1, SamplePdus.SecondaryCaptureImageStorage, dataset.GetString(DicomTags.SOPInstanceUID));

        var peer = await server.ConnectRawAsync(ct);
        await using (peer)
        {
            if (stage == DisconnectStage.MidAssociateRequest)
            {
                var bytes = PduWriter.ToArray(request);
                await peer.SendBytesAsync(bytes.AsMemory(0, bytes.Length / 2), ct);
            }
            else if (stage != DisconnectStage.AfterConnect)
            {
                var accept = await peer.AssociateAcceptedAsync(request, ct);
                Assert.Equal(PresentationContextOutcome.Acceptance, Assert.Single(accept.PresentationContexts).Outcome);
            }

            var commandPdu = PduWriter.ToArray(new DataTransferPdu([new PresentationDataValue(1, true, true, command.Encode())]));
            switch (stage)
            {
                case DisconnectStage.MidCommand:
                    await peer.SendBytesAsync(commandPdu.AsMemory(0, commandPdu.Length / 2), ct);
                    break;
                case DisconnectStage.AfterCommand:
                    await peer.SendBytesAsync(commandPdu, ct);
                    Assert.True(await Eventually.TrueAsync(() => server.PartFiles().Length == 1, TimeSpan.FromSeconds(20), ct), "the server did not begin the instance");
                    break;
                case DisconnectStage.MidDataSet:
                    await peer.SendBytesAsync(commandPdu, ct);
                    await peer.SendDataSetAsync(1, dataSet[..(3 * fragment)], fragment, last: false, ct);
                    var next = PduWriter.ToArray(new DataTransferPdu([new PresentationDataValue(1, false, false, dataSet.AsMemory(3 * fragment, fragment))]));
                    await peer.SendBytesAsync(next.AsMemory(0, next.Length / 2), ct);
                    Assert.True(await Eventually.TrueAsync(() => server.PartFiles().Length == 1, TimeSpan.FromSeconds(20), ct), "the server did not begin the instance");
                    break;
                case DisconnectStage.AfterLastFragment:
                    await peer.SendBytesAsync(commandPdu, ct);
                    await peer.SendDataSetAsync(1, dataSet, fragment, last: true, ct);
                    break;
            }

            peer.Close();
        }

        await server.AssertIdleAsync(ct);
        var stored = server.StoredFiles();
        if (stage == DisconnectStage.AfterLastFragment)
        {
            // The whole data set arrived: it may be stored, and if it is, it is whole.
            Assert.True(stored.Length <= 1, string.Join(", ", stored));
            foreach (var file in stored)
            {
                Assert.Equal(TestInstances.StoredPath(server.Storage, dataset), file);
                Assert.Equal(dataSet, TestInstances.DataSetBytes(file));
            }
        }
        else
        {
            Assert.True(stored.Length == 0, "stored: " + string.Join(", ", stored.Select(f => Path.GetRelativePath(server.Storage, f))));
            Assert.Empty(handler.Handled);
        }

        await server.AssertEchoAsync(ct);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AbortOrRelease_MidDataSet_TempFileRemovedNothingStored(bool release)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("interrupt");
        var dataset = TestInstances.NewImage(rows: 64, columns: 64);
        string source = TestInstances.Write(dataset, Path.Combine(server.Scratch, "source.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian);
        var dataSet = TestInstances.DataSetBytes(source);
        var peer = await server.ConnectRawAsync(ct);
        await using (peer)
        {
            await peer.AssociateAcceptedAsync(RawPeer.Request("TESTSCP", new PresentationContextProposal(1, SamplePdus.SecondaryCaptureImageStorage, [SamplePdus.ExplicitVRLittleEndian])), ct);
            await peer.SendCommandAsync(1, DimseCommand.StoreRequest(1, SamplePdus.SecondaryCaptureImageStorage, dataset.GetString(DicomTags.SOPInstanceUID)), ct);
            await peer.SendDataSetAsync(1, dataSet[..4096], 1024, last: false, ct);
            Assert.True(await Eventually.TrueAsync(() => server.PartFiles().Length == 1, TimeSpan.FromSeconds(20), ct), "the server did not begin the instance");

            await peer.SendAsync(release ? new ReleaseRequestPdu() : new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified), ct);
            var (closed, received) = await peer.WaitForCloseAsync(CloseWait, ct);

            Assert.True(closed);
            if (release)
            {
                // A release in the middle of a message cannot be granted: the data set is incomplete.
                Assert.IsType<AbortPdu>(Assert.Single(received));
            }
            else
            {
                Assert.Empty(received);
            }
        }

        await server.AssertIdleAsync(ct);
        Assert.Empty(server.StoredFiles());
        await server.AssertEchoAsync(ct);
    }

    [Theory]
    [InlineData(40)] // inside the second element of the header
    [InlineData(3072)] // inside the Pixel Data value
    [InlineData(-1)] // one byte short of the whole data set
    public async Task Store_DataSetCutShortButFlaggedLast_FailureStatusAndNothingStored(int cut)
    {
        var ct = TestContext.Current.CancellationToken;
        var handler = new RecordingStoreHandler(new EventSequence());
        await using var server = TestServer.Start("cut-short", o => o with { StoreHandlerFactory = _ => handler });
        var dataset = TestInstances.NewImage(rows: 64, columns: 64);
        string source = TestInstances.Write(dataset, Path.Combine(server.Scratch, "source.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian);
        var dataSet = TestInstances.DataSetBytes(source);
        var cutShort = dataSet[..(cut > 0 ? cut : dataSet.Length + cut)];
        var peer = await server.ConnectRawAsync(ct);
        await using (peer)
        {
            await peer.AssociateAcceptedAsync(RawPeer.Request("TESTSCP", new PresentationContextProposal(1, SamplePdus.SecondaryCaptureImageStorage, [SamplePdus.ExplicitVRLittleEndian])), ct);
            await peer.SendCommandAsync(1, DimseCommand.StoreRequest(1, SamplePdus.SecondaryCaptureImageStorage, dataset.GetString(DicomTags.SOPInstanceUID)), ct);

            // The sender says "last fragment" though the data set (its last element's value) is not complete.
            await peer.SendDataSetAsync(1, cutShort, 1024, last: true, ct);
            var response = await peer.ReceiveCommandAsync(ct);

            Assert.Equal(DimseCommandField.CStoreResponse, response.CommandField);
            Assert.True(response.Status.IsFailure, $"a data set of {cutShort.Length} of {dataSet.Length} bytes was answered {response.Status}");
            await peer.ReleaseAsync(ct);
        }

        await server.AssertIdleAsync(ct);
        Assert.True(server.StoredFiles().Length == 0, "stored: " + string.Join(", ", server.StoredFiles().Select(f => $"{Path.GetFileName(f)} ({new FileInfo(f).Length} bytes)")));
        Assert.Empty(handler.Handled);
    }

    [Theory]
    [InlineData(7u)] // room for exactly one data byte per PDV
    [InlineData(8u)]
    [InlineData(9u)]
    public async Task Echo_PeerMaximumLengthTiny_ResponseFragmentedToFitOrAborted(uint maxPduLength)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("tiny-max-length");
        var peer = await server.ConnectRawAsync(ct);
        await using (peer)
        {
            var verification = RawPeer.VerificationRequest();
            var request = verification with { UserInformation = verification.UserInformation with { MaxPduLength = maxPduLength } };
            await peer.AssociateAcceptedAsync(request, ct);
            await peer.SendCommandAsync(1, DimseCommand.EchoRequest(5), ct);

            // PS3.8 D.1: every P-DATA-TF sent to us fits our maximum; each PDV carries at least one byte of the message.
            var command = new MemoryStream();
            int pdus = 0;
            int emptyValues = 0;
            bool complete = false;
            while (!complete && pdus < 2000)
            {
                var pdu = await peer.ReceiveAsync(TimeSpan.FromSeconds(20), ct);
                if (pdu is null or AbortPdu)
                {
                    break;
                }

                pdus++;
                var data = Assert.IsType<DataTransferPdu>(pdu);
                Assert.True(PduWriter.ToArray(data).Length - 6 <= maxPduLength, $"a P-DATA-TF of {PduWriter.ToArray(data).Length - 6} bytes over the peer's maximum {maxPduLength}");
                foreach (var value in data.Values)
                {
                    emptyValues += value.Data.IsEmpty ? 1 : 0;
                    command.Write(value.Data.Span);
                    complete |= value.IsLast;
                }
            }

            peer.Close();
            Assert.True(emptyValues == 0, $"{emptyValues} empty PDVs in {pdus} P-DATA-TF PDUs (complete: {complete}, {command.Length} command bytes)");
            if (complete)
            {
                Assert.Equal(DimseStatus.Success, DimseCommand.Decode(command.ToArray()).Status);
            }
        }

        await server.AssertIdleAsync(ct);
    }

    [Fact]
    [Trait("Category", "slow")]
    public async Task SlowPeer_OneBytePer100ms_AbortedAfterPduTimeoutWhileOthersAreServed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("slow", o => o with { PduTimeout = TimeSpan.FromSeconds(1) });
        var peer = await server.ConnectRawAsync(ct);
        await using (peer)
        {
            await peer.AssociateAcceptedAsync(RawPeer.VerificationRequest(), ct);
            var slow = PduWriter.ToArray(new DataTransferPdu([new PresentationDataValue(1, true, true, new byte[400])]));
            var closing = peer.WaitForCloseAsync(CloseWait, ct);
            long before = peer.BytesSent;
            int sent = 0;
            var drip = Task.Run(
                async () =>
                {
                    for (; sent < slow.Length && !closing.IsCompleted; sent++)
                    {
                        try
                        {
                            await peer.SendBytesAsync(slow.AsMemory(sent, 1), ct);
                        }
                        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                        {
                            break;
                        }

                        await Task.Delay(100, ct);
                    }
                },
                ct);

            // Another client is served meanwhile.
            await server.AssertEchoAsync(ct);

            var (closed, received) = await closing;
            await drip;

            Assert.True(closed, "the server kept a connection that sends one byte per 100 ms");
            Assert.True(sent < slow.Length, $"the whole PDU ({slow.Length} bytes) was sent before the server closed");
            Assert.All(received, p => Assert.IsType<AbortPdu>(p));
        }

        await server.AssertIdleAsync(ct);
    }

    [Fact]
    [Trait("Category", "slow")]
    public async Task ConcurrentPeers_200EchoAssociations_AllServedThenNoneActive()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("concurrent", o => o with { MaxAssociations = 250, ArtimTimeout = TimeSpan.FromSeconds(30), PduTimeout = TimeSpan.FromSeconds(30) });

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(
            async () =>
            {
                var peer = await server.ConnectRawAsync(ct);
                await using (peer)
                {
                    await peer.AssociateAcceptedAsync(RawPeer.VerificationRequest(), ct);
                    ushort id = (ushort)(i + 1);
                    await peer.SendCommandAsync(1, DimseCommand.EchoRequest(id), ct);
                    var response = await peer.ReceiveCommandAsync(ct);
                    Assert.Equal(DimseCommandField.CEchoResponse, response.CommandField);
                    Assert.Equal(id, response.MessageIdBeingRespondedTo);
                    await peer.ReleaseAsync(ct);
                    return response.Status;
                }
            },
            ct)));

        Assert.Equal(200, results.Length);
        Assert.All(results, s => Assert.Equal(DimseStatus.Success, s));
        await server.AssertIdleAsync(ct);
    }

    [Fact]
    [Trait("Category", "slow")]
    public async Task SilentPeers_200ConnectionsSendingNothing_AllClosedAfterArtimAndEchoServed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("silent", o => o with { MaxAssociations = 250, ArtimTimeout = TimeSpan.FromSeconds(1) });
        var peers = new List<RawPeer>();
        try
        {
            for (int i = 0; i < 200; i++)
            {
                peers.Add(await server.ConnectRawAsync(ct));
            }

            var closed = await Task.WhenAll(peers.Select(p => p.WaitForCloseAsync(CloseWait, ct)));

            Assert.Equal(200, closed.Count(c => c.Closed));
            Assert.All(closed, c => Assert.All(c.Received, p => Assert.IsType<AbortPdu>(p)));
        }
        finally
        {
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }
        }

        await server.AssertEchoAsync(ct);
        await server.AssertIdleAsync(ct);
    }

    [Fact]
    [Trait("Category", "slow")]
    public async Task FuzzedStream_AfterAccept_ClosedNoTempFilesServerServes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("fuzzed-stream", o => o with { PduTimeout = TimeSpan.FromSeconds(2), ArtimTimeout = TimeSpan.FromSeconds(2) });
        var dataset = TestInstances.NewImage(rows: 32, columns: 32);
        string source = TestInstances.Write(dataset, Path.Combine(server.Scratch, "source.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian);
        var dataSet = TestInstances.DataSetBytes(source);
        var valid = new List<byte>();
        valid.AddRange(PduWriter.ToArray(new DataTransferPdu([new PresentationDataValue(1, true, true, DimseCommand.StoreRequest(1, SamplePdus.SecondaryCaptureImageStorage, dataset.GetString(DicomTags.SOPInstanceUID)).Encode())])));
        for (int at = 0; at < dataSet.Length; at += 700)
        {
            int length = Math.Min(700, dataSet.Length - at);
            valid.AddRange(PduWriter.ToArray(new DataTransferPdu([new PresentationDataValue(1, false, at + length == dataSet.Length, dataSet.AsMemory(at, length))])));
        }

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 24).Select(seed => Task.Run(
            async () =>
            {
                var random = new Random(1000 + seed);
                byte[] stream = (seed % 3) switch
                {
                    0 => RandomBytes(random, random.Next(1, 4000)),
                    1 => FlipBits(valid, random, random.Next(1, 12)),
                    _ => Splice(valid, random),
                };
                var peer = await server.ConnectRawAsync(ct);
                await using (peer)
                {
                    var request = RawPeer.Request(
                        "TESTSCP",
                        new PresentationContextProposal(1, SamplePdus.SecondaryCaptureImageStorage, [SamplePdus.ExplicitVRLittleEndian]),
                        new PresentationContextProposal(3, DicomNetworkUids.Verification, [SamplePdus.ImplicitVRLittleEndian]));
                    await peer.AssociateAcceptedAsync(request, ct);
                    var closing = peer.WaitForCloseAsync(CloseWait, ct);
                    try
                    {
                        await peer.SendBytesAsync(stream, ct);
                    }
                    catch (Exception e) when (e is IOException or SocketException)
                    {
                        // The server may close before it has read everything.
                    }

                    var (closed, _) = await closing;
                    return (seed, closed);
                }
            },
            ct)));

        Assert.All(outcomes, o => Assert.True(o.closed, $"fuzzed stream {o.seed}: the server did not close the connection"));
        await server.AssertIdleAsync(ct);
        await server.AssertEchoAsync(ct);
    }

    [Fact]
    public async Task StopAsync_WithAssociationsInEveryState_NoTempFileNoneActive()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = TestServer.Start("stop", o => o with { ArtimTimeout = TimeSpan.FromSeconds(30), PduTimeout = TimeSpan.FromSeconds(30) });
        var dataset = TestInstances.NewImage(rows: 64, columns: 64);
        string source = TestInstances.Write(dataset, Path.Combine(server.Scratch, "source.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian);
        var dataSet = TestInstances.DataSetBytes(source);
        var request = RawPeer.Request("TESTSCP", new PresentationContextProposal(1, SamplePdus.SecondaryCaptureImageStorage, [SamplePdus.ExplicitVRLittleEndian]));

        var silent = await server.ConnectRawAsync(ct);
        var idle = await server.ConnectRawAsync(ct);
        var storing = await server.ConnectRawAsync(ct);
        await using (silent)
        await using (idle)
        await using (storing)
        {
            await idle.AssociateAcceptedAsync(request, ct);
            await storing.AssociateAcceptedAsync(request, ct);
            await storing.SendCommandAsync(1, DimseCommand.StoreRequest(1, SamplePdus.SecondaryCaptureImageStorage, dataset.GetString(DicomTags.SOPInstanceUID)), ct);
            await storing.SendDataSetAsync(1, dataSet[..2048], 1024, last: false, ct);
            Assert.True(await Eventually.TrueAsync(() => server.PartFiles().Length == 1, TimeSpan.FromSeconds(20), ct), "the server did not begin the instance");
            Assert.Equal(3, server.Server.ActiveAssociations);

            await server.Server.StopAsync().WaitAsync(TimeSpan.FromSeconds(30), ct);

            Assert.Empty(server.PartFiles());
            Assert.Equal(0, server.Server.ActiveAssociations);
            Assert.True(server.StoredFiles().Length == 0, "stored: " + string.Join(", ", server.StoredFiles().Select(f => Path.GetRelativePath(server.Storage, f))));
            foreach (var peer in new[] { silent, idle, storing })
            {
                Assert.True((await peer.WaitForCloseAsync(CloseWait, ct)).Closed);
            }
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] FlipBits(List<byte> valid, Random random, int flips)
    {
        var bytes = valid.ToArray();
        for (int i = 0; i < flips; i++)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        }

        return bytes;
    }

    private static byte[] Splice(List<byte> valid, Random random)
    {
        var bytes = valid.ToList();
        bytes.InsertRange(random.Next(bytes.Count), RandomBytes(random, random.Next(1, 64)));
        return [.. bytes];
    }
}
