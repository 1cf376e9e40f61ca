using System.Net;
using System.Net.Sockets;
using PlaoImaging.Dicom.Network.Tests.Support;
using Xunit;

namespace PlaoImaging.Dicom.Network.Tests.Services;

/// <summary><see cref="DicomClient"/> against an SCP (a raw socket) that goes away at the end of an association.</summary>
[Trait("Category", "unit")]
public sealed class ClientPeerDropTests
{
    /// <summary>
    /// The SCP stores and answers Success, then closes the connection instead of answering A-RELEASE-RQ (a PACS that
    /// was stopped or crashed at that moment). The instance was stored: its outcome is Success, and the client neither
    /// throws nor reports it twice.
    /// </summary>
    [Fact]
    public async Task StoreAsync_PeerClosesInsteadOfReleaseResponse_OutcomeStaysSuccess()
    {
        var ct = TestContext.Current.CancellationToken;
        string scratch = Directory.CreateTempSubdirectory("plao-client-drop-").FullName;
        try
        {
            string file = TestInstances.Write(TestInstances.NewImage(), Path.Combine(scratch, "one.dcm"), DicomTransferSyntax.ExplicitVRLittleEndian);
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                var client = new DicomClient("127.0.0.1", port, new DicomClientOptions { CalledAETitle = "RAW", ResponseTimeout = TimeSpan.FromSeconds(20) });
                var send = client.StoreAsync([file], null, ct);

                await using (var scp = await RawPeer.AcceptAsync(listener, ct))
                {
                    var request = Assert.IsType<AssociateRequestPdu>(await scp.ReceiveAsync(TimeSpan.FromSeconds(20), ct));
                    await scp.SendAsync(new AssociateAcceptPdu(request.CalledAETitle, request.CallingAETitle,
                        [.. request.PresentationContexts.Select(c => new PresentationContextResult(c.Id, PresentationContextOutcome.Acceptance, c.TransferSyntaxes[0]))],
                        new UserInformation { MaxPduLength = 16384, ImplementationClassUid = SamplePdus.ImplementationClassUid }), ct);

                    // C-STORE-RQ: the command, then the data set up to its last fragment; answered Success.
                    DimseCommand? command = null;
                    var commandBytes = new MemoryStream();
                    bool dataSetDone = false;
                    byte contextId = 0;
                    while (!dataSetDone)
                    {
                        var data = Assert.IsType<DataTransferPdu>(await scp.ReceiveAsync(TimeSpan.FromSeconds(20), ct));
                        foreach (var value in data.Values)
                        {
                            contextId = value.PresentationContextId;
                            if (value.IsCommand)
                            {
                                commandBytes.Write(value.Data.Span);
                                command = value.IsLast ? DimseCommand.Decode(commandBytes.ToArray()) : null;
                            }
                            else
                            {
                                dataSetDone = value.IsLast;
                            }
                        }
                    }

                    Assert.NotNull(command);
                    await scp.SendCommandAsync(contextId, DimseCommand.StoreResponse(command, DimseStatus.Success), ct);
                    Assert.IsType<ReleaseRequestPdu>(await scp.ReceiveAsync(TimeSpan.FromSeconds(20), ct));
                    scp.Close();
                }

                var outcome = Assert.Single(await send);
                Assert.Equal(DicomStoreResult.Success, outcome.Result);
            }
            finally
            {
                listener.Stop();
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
