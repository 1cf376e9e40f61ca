using System.CommandLine;
using PlaoImaging.Dicom.Network;

namespace PlaoImaging.Cli;

/// <summary>The AE-title and TLS options shared by <c>plao echo</c>, <c>plao send</c> and <c>plao listen</c>.</summary>
internal sealed class NetworkOptions
{
    public Option<string> Calling { get; } = new("--calling") { Description = "Our (calling) AE title", DefaultValueFactory = _ => "PLAO" };

    public Option<string> Called { get; } = new("--called") { Description = "The peer's (called) AE title", DefaultValueFactory = _ => "ANY-SCP" };

    public Option<double> Timeout { get; } = new("--timeout") { Description = "Seconds to wait for a connection, an association answer or a response", DefaultValueFactory = _ => 30 };

    public Option<bool> Tls { get; } = new("--tls") { Description = "Use DICOM over TLS (PS3.15 B.1)" };

    public Option<FileInfo?> TlsCert { get; } = new("--tls-cert") { Description = "PEM certificate: ours (server for listen, client for echo/send)" };

    public Option<FileInfo?> TlsKey { get; } = new("--tls-key") { Description = "PEM private key of --tls-cert" };

    public Option<FileInfo?> TlsCa { get; } = new("--tls-ca") { Description = "PEM authorities to trust for the peer; for listen, client certificates are then required" };

    public Option<bool> TlsInsecure { get; } = new("--tls-insecure") { Description = "echo/send: accept any server certificate" };

    public void AddClientOptions(Command command)
    {
        command.Options.Add(Calling);
        command.Options.Add(Called);
        command.Options.Add(Timeout);
        AddTls(command);
        command.Options.Add(TlsInsecure);
    }

    public void AddTls(Command command)
    {
        command.Options.Add(Tls);
        command.Options.Add(TlsCert);
        command.Options.Add(TlsKey);
        command.Options.Add(TlsCa);
    }

    public DicomClientOptions ClientOptions(ParseResult parse)
    {
        var timeout = TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(Timeout)));
        DicomTlsClientOptions? tls = null;
        if (parse.GetValue(Tls))
        {
            var cert = parse.GetValue(TlsCert);
            var key = parse.GetValue(TlsKey);
            var ca = parse.GetValue(TlsCa);
            tls = new DicomTlsClientOptions
            {
                ClientCertificate = cert is null ? null : DicomTls.LoadCertificate(cert.FullName, (key ?? cert).FullName),
                TrustedAuthorities = ca is null ? null : DicomTls.LoadAuthorities(ca.FullName),
                AllowUntrustedServer = parse.GetValue(TlsInsecure),
            };
        }

        return new DicomClientOptions
        {
            CallingAETitle = parse.GetValue(Calling)!,
            CalledAETitle = parse.GetValue(Called)!,
            ConnectTimeout = timeout,
            ArtimTimeout = timeout,
            ResponseTimeout = TimeSpan.FromSeconds(Math.Max(timeout.TotalSeconds, 120)),
            Tls = tls,
            Codecs = CliCodecs.Create(),
        };
    }
}
