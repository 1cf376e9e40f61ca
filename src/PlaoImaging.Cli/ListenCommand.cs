using System.CommandLine;
using System.Net;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;

namespace PlaoImaging.Cli;

/// <summary><c>plao listen --port P --out DIR</c>: a C-ECHO / C-STORE SCP that stores every instance durably and prints one line per stored instance.</summary>
internal static class ListenCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "TCP port (0: pick a free one)", DefaultValueFactory = _ => 11112 };
        var aet = new Option<string>("--aet") { Description = "Our AE title", DefaultValueFactory = _ => "PLAO" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for received instances (Study/Series/SOPInstance.dcm)", Required = true };
        var maxAssociations = new Option<int>("--max-associations") { Description = "Associations served at once; more are rejected (transient)", DefaultValueFactory = _ => 32 };
        var onlyCalled = new Option<bool>("--require-called-aet") { Description = "Reject associations whose called AE title is not --aet" };
        var acceptCalling = new Option<string[]>("--accept-calling") { Description = "Accept only these calling AE titles (AE or AE@address[/prefix])", AllowMultipleArgumentsPerToken = true };
        var quiet = new Option<bool>("--quiet") { Description = "Do not print a line per stored instance" };
        var noSync = new Option<bool>("--no-sync") { Description = "Acknowledge without fsync (an acknowledged instance can be lost in a power cut; benchmarks only)" };
        var network = new NetworkOptions();
        var command = new Command("listen", "Receive DICOM instances (C-STORE SCP) and answer C-ECHO.") { port, aet, output, maxAssociations, onlyCalled, acceptCalling, quiet, noSync };
        network.AddTls(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                DicomTlsServerOptions? tls = null;
                if (parse.GetValue(network.Tls))
                {
                    var cert = parse.GetValue(network.TlsCert) ?? throw new ArgumentException("--tls needs --tls-cert (and --tls-key) for the server certificate");
                    var key = parse.GetValue(network.TlsKey) ?? cert;
                    var ca = parse.GetValue(network.TlsCa);
                    tls = new DicomTlsServerOptions(DicomTls.LoadCertificate(cert.FullName, key.FullName))
                    {
                        ClientCertificateAuthorities = ca is null ? null : DicomTls.LoadAuthorities(ca.FullName),
                    };
                }

                string title = parse.GetValue(aet)!;
                bool print = !parse.GetValue(quiet);
                var options = new DicomServerOptions
                {
                    AETitle = title,
                    Port = parse.GetValue(port),
                    StorageDirectory = parse.GetValue(output)!.FullName,
                    MaxAssociations = parse.GetValue(maxAssociations),
                    SyncToDisk = !parse.GetValue(noSync),
                    CalledAETitles = parse.GetValue(onlyCalled) ? new HashSet<string> { title } : new HashSet<string>(),
                    Peers = [.. (parse.GetValue(acceptCalling) ?? []).Select(ParsePeer)],
                    Codecs = CliCodecs.Create(),
                    Tls = tls,
                    StoreHandlerFactory = _ => new PrintingHandler(print),
                };
                var server = new DicomServer(options);
                await using (server.ConfigureAwait(false))
                {
                    server.Start();
                    Console.WriteLine($"listening on {options.Address}:{server.Port} as {title}{(tls is null ? string.Empty : " (TLS)")}");
                    Console.Out.Flush();
                    using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
                    {
                        context.Cancel = true;
                        stop.Cancel();
                    });
                    try
                    {
                        await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    await server.StopAsync().ConfigureAwait(false);
                }

                return 0;
            }
            catch (Exception e) when (e is DicomException or IOException or ArgumentException or UnauthorizedAccessException or System.Net.Sockets.SocketException or System.Security.Cryptography.CryptographicException)
            {
                Console.Error.WriteLine($"plao listen: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static DicomPeer ParsePeer(string text)
    {
        int at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return new DicomPeer(text);
        }

        string address = text[(at + 1)..];
        var network = address.Contains('/', StringComparison.Ordinal) ? IPNetwork.Parse(address) : new IPNetwork(IPAddress.Parse(address), IPAddress.Parse(address).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return new DicomPeer(text[..at]) { Addresses = [network] };
    }

    /// <summary>Prints <c>stored PATH</c> for each instance (a line at a time, so a supervising process can follow).</summary>
    private sealed class PrintingHandler(bool print) : IDicomStoreHandler
    {
        private static readonly Lock Gate = new();

        public ValueTask<DimseStatus> OnStoredAsync(DicomStoredInstance instance, DicomAssociationInfo association, CancellationToken cancellationToken)
        {
            if (print)
            {
                lock (Gate)
                {
                    Console.WriteLine($"stored {instance.Path}");
                }
            }

            return ValueTask.FromResult(DimseStatus.Success);
        }
    }
}
