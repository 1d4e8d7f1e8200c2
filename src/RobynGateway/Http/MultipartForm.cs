using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace RobynGateway.Http;

/// <summary>
/// A multipart/form-data body read with ASP.NET's <see cref="MultipartReader"/> on the Kestrel
/// thread: text parts become <c>request.form_data</c> (name → value), parts with a
/// filename become <c>request.files</c> (filename → bytes), and the body Python sees is the
/// concatenation of all part payloads, as in Robyn. Other bodies (urlencoded included) stay raw.
/// </summary>
internal sealed class MultipartForm
{
    /// <summary>Parts at the most; more is a 400 (ASP.NET's own form limit is 1024 values).</summary>
    public const int MaxParts = 1024;

    public List<(string Name, string Value)> Fields { get; } = [];
    public List<(string FileName, byte[] Content)> Files { get; } = [];

    /// <summary>The multipart boundary of a content type, or null when the body is not multipart/form-data.</summary>
    public static string? BoundaryOf(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media)
            || !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return null;
        var boundary = HeaderUtilities.RemoveQuotes(media.Boundary);
        return boundary.Length is > 0 and <= 70 ? boundary.ToString() : null; // RFC 2046 bounds
    }

    /// <summary>
    /// Parses the whole (already bounded) body. Returns the form and the joined payloads; throws
    /// <see cref="InvalidDataException"/> with a message for the client when the body is malformed.
    /// </summary>
    public static async Task<(MultipartForm Form, byte[] Payloads)> ReadAsync(string boundary, byte[] body, int length)
    {
        var form = new MultipartForm();
        using var joined = new MemoryStream();
        var reader = new MultipartReader(boundary, new MemoryStream(body, 0, length, writable: false))
        {
            BodyLengthLimit = length,
        };
        try
        {
            var parts = 0;
            while (await reader.ReadNextSectionAsync() is { } section)
            {
                if (++parts > MaxParts) throw new InvalidDataException($"more than {MaxParts} parts");
                using var content = new MemoryStream();
                await section.Body.CopyToAsync(content);
                var payload = content.ToArray();
                joined.Write(payload);
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName;
                if (HeaderUtilities.RemoveQuotes(fileName) is { Length: > 0 } name)
                    form.Files.Add((name.ToString(), payload));
                else if (HeaderUtilities.RemoveQuotes(disposition.Name) is { Length: > 0 } field)
                    form.Fields.Add((field.ToString(), System.Text.Encoding.UTF8.GetString(payload)));
            }
        }
        catch (IOException ex) // the reader's "Unexpected end of Stream", bad part headers, ...
        {
            throw new InvalidDataException(ex.Message, ex);
        }
        return (form, joined.ToArray());
    }
}
