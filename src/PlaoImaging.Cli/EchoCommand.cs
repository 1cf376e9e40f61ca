using System.CommandLine;
using System.Diagnostics;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Network;

namespace PlaoImaging.Cli;

/// <summary><c>plao echo HOST PORT</c>: C-ECHO, the DICOM "ping".</summary>
internal static class EchoCommand
{
    public static Command Create()
    {
        var host = new Argument<string>("host") { Description = "Peer host name or address" };
        var port = new Argument<int>("port") { Description = "Peer port" };
        var network = new NetworkOptions();
        var command = new Command("echo", "Verify a DICOM peer with C-ECHO.") { host, port };
        network.AddClientOptions(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            string target = $"{parse.GetValue(host)}:{parse.GetValue(port)} ({parse.GetValue(network.Called)})";
            try
            {
                var client = new DicomClient(parse.GetValue(host)!, parse.GetValue(port), network.ClientOptions(parse));
                var watch = Stopwatch.StartNew();
                var status = await client.EchoAsync(cancellationToken).ConfigureAwait(false);
                if (!status.IsSuccess)
                {
                    Console.Error.WriteLine($"plao echo: {target} answered {status}");
                    return 1;
                }

                Console.WriteLine($"C-ECHO to {target}: success ({status.Code:X4}) in {watch.Elapsed.TotalMilliseconds:0} ms");
                return 0;
            }
            catch (Exception e) when (e is DicomException or IOException or ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                Console.Error.WriteLine($"plao echo: {target}: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
