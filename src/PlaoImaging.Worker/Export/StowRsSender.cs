using System.Net.Http.Headers;

namespace PlaoImaging.Worker.Export;

/// <summary>Sends Part 10 files to a DICOMweb STOW-RS endpoint; null when every instance was stored, else the problem.</summary>
public interface IStowRsSender
{
    Task<string?> SendAsync(Uri studiesUrl, IReadOnlyList<string> files, CancellationToken cancellationToken);
}

/// <summary>STOW-RS (PS3.18 10.5): one multipart/related POST of application/dicom parts to <c>…/studies</c>.</summary>
public sealed class StowRsSender(IHttpClientFactory clients) : IStowRsSender
{
    public async Task<string?> SendAsync(Uri studiesUrl, IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var content = new MultipartContent("related", "plao-" + Guid.NewGuid().ToString("N"));
        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
        foreach (string file in files)
        {
            var part = new ByteArrayContent(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false));
            part.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            content.Add(part);
        }

        var client = clients.CreateClient("stow-rs");
        using var request = new HttpRequestMessage(HttpMethod.Post, studiesUrl) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/dicom+json"));
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode ? null : $"STOW-RS answered {(int)response.StatusCode} {response.ReasonPhrase}";
    }
}
