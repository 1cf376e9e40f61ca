using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Tests.Imaging;

/// <summary>
/// Small codestreams written by DCMTK 3.6.7 dcmcjpeg, with the frame its dcmdjpeg decodes them to (data, made once;
/// the interop tests compare against the live tools).
/// </summary>
internal static class JpegVectors
{
    /// <summary>One codestream, the Image Pixel description it belongs to, and dcmdjpeg's output.</summary>
    public sealed record Vector(string Name, DicomImageInfo Info, byte[] Codestream, byte[] Expected, string ExpectedPhotometric);

    /// <summary>13 × 16 MONOCHROME2, 8 bits, baseline (+eb).</summary>
    public static Vector Gray8 { get; } = new(
        "gray8-baseline",
        ImageBuilder.Info(13, 16, 8, 8, 7, false),
        Convert.FromBase64String("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/wAALCAANABABAREA/8QAFQABAQAAAAAAAAAAAAAAAAAABwj/xAAnEAEAAQIEBgEFAAAAAAAAAAABAgMRAAQSIQUGBxMxQVFhgZGh0f/aAAgBAQAAPwCfOm/MNCdGmz3k2CQGn1te2+59PGGSXMeWMnTlT7UpASLAk0v6T+mIz6ZcXzVEphUJMIqMol9tIW/X4wxZbiuZzGTqHcaciGqLBQLx1WD15tt8fbH/2Q=="),
        Gray8Expected,
        "MONOCHROME2");

    /// <summary>The same frame as <see cref="Gray8"/>, progressive (+ep: decoded by JpegLibrary).</summary>
    public static Vector Gray8Progressive { get; } = new(
        "gray8-progressive",
        ImageBuilder.Info(13, 16, 8, 8, 7, false),
        Convert.FromBase64String("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/wgALCAANABABAREA/8QAFQABAQAAAAAAAAAAAAAAAAAABgf/2gAIAQEAAAABnrKMsf/EABwQAAEDBQAAAAAAAAAAAAAAAAIBAwUABBESFP/aAAgBAQABBQKNuEx0DpGOklC6RB//xAAXEAADAQAAAAAAAAAAAAAAAAAAAREh/9oACAEBAAY/AkKQWj2H/8QAGhAAAgMBAQAAAAAAAAAAAAAAAREAMUFxUf/aAAgBAQABPyEl1+5C4Yb7NcQ0clgCYXHP/9oACAEBAAAAEP8A/8QAHxABAAIBAwUAAAAAAAAAAAAAAREhADFBUWGBkaHR/9oACAEBAAE/EFy6gAHCpi7OmmDgIAgEZOyfTDABMiE1Aj14w4kExoE0BtrFcds//9k="),
        Gray8Expected,
        "MONOCHROME2");

    /// <summary>10 × 9 MONOCHROME2, 12 bits stored in 16, extended (+ee, SOF1, 12-bit precision).</summary>
    public static Vector Gray12 { get; } = new(
        "gray12-extended",
        ImageBuilder.Info(10, 9, 16, 12, 11, false),
        Convert.FromBase64String("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/wQALDAAKAAkBAREA/8QAFQABAQAAAAAAAAAAAAAAAAAACwz/xAAnEAABBAEBBgcAAAAAAAAAAAACAQMEBQYHAAgLERNWFxkjkZXS0//aAAgBAQAAPwCUp4RFv8bv1NpDimU5ClviExatqlu6O9Yjw6s5Kkov2UiNGPqBPGbCjNm66kUmn6esQOo24iSWHPP30Z7n0R9qX99phfg6uSW8vM7Bt+1mvN49p9pzZ0wOSDJKyXLrmhlyIyKvouvCZo4YciNCJCVea7Mc+I2Wd0XPyDv22///2Q=="),
        Convert.FromBase64String("6gEuAlYCbgQ4BN0FJwU6BoIGGwK9AmgDaAPkA4sFGAbiBQ4HjgG0AsAD5QKxBKgEuwZCBrgG2wG2AjsDBATnBKEFrgUgBkwGvQFvAmYDjgSUBCQFzQUzBkEGEgE9AvgBZQOMBBAFlwX8Bf8FBgGPATQDIQN8BDYEPgWIBQAG9AFcAZcCGwPMA8gEkATzBP0EVgARAb8BnQIGAxYDkgQYBTEFAQBsARkBfQEMAwIEMgSjBM0E"),
        "MONOCHROME2");

    /// <summary>9 × 11 RGB stored as YBR_FULL_422 baseline (+eb: 4:2:2, odd sizes), decoded to RGB.</summary>
    public static Vector Color422 { get; } = new(
        "color-422-odd",
        ImageBuilder.Info(9, 11, 8, 8, 7, false, "YBR_FULL_422", samples: 3),
        Convert.FromBase64String("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCAAJAAsDASEAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAABwj/xAAoEAABAQYDCQEAAAAAAAAAAAABAgADBAURIQcSYTI0NUFRcXSBsbL/xAAVAQEBAAAAAAAAAAAAAAAAAAACAf/EACIRAAIBAQgDAAAAAAAAAAAAAAECADEEERIhM3GBkbHB4f/aAAwDAQACEQMRAD8AZMKJvDu0ulJTlG0p2oVoTzsLi+t2d0zaBCUh6HYeUuMxr716sgGopziLKDjYX9fZJuFG5wvjD8tSci4VD9j9LNqPuPBktGivHuf//9k="),
        Color422Expected,
        "RGB");

    /// <summary>The same frame as <see cref="Color422"/>, progressive (decoded by JpegLibrary).</summary>
    public static Vector Color422Progressive { get; } = new(
        "color-422-progressive",
        ImageBuilder.Info(9, 11, 8, 8, 7, false, "YBR_FULL_422", samples: 3),
        Convert.FromBase64String("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wgARCAAJAAsDASEAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAABgf/xAAUAQEAAAAAAAAAAAAAAAAAAAAB/9oADAMBAAIQAxAAAAFk7WTUpP/EABsQAAEEAwAAAAAAAAAAAAAAAAABAgMFEzIz/9oACAEBAAEFAqqVqGVhVaQcv//EABkRAAIDAQAAAAAAAAAAAAAAAAABAxExMv/aAAgBAwEBPwG1rJOEf//EABcRAAMBAAAAAAAAAAAAAAAAAAABQSH/2gAIAQIBAT8B2Dp//8QAGhAAAgIDAAAAAAAAAAAAAAAAAAIBESFysf/aAAgBAQAGPwKOGasXUU//xAAbEAEAAgIDAAAAAAAAAAAAAAABABEQQWGh8P/aAAgBAQABPyExBW1QrOxPVxgf/9oADAMBAAIAAwAAABBL/8QAGhEAAgIDAAAAAAAAAAAAAAAAAAERkbHB4f/aAAgBAwEBPxBocU10wNn/xAAZEQEAAgMAAAAAAAAAAAAAAAABADEhcbH/2gAIAQIBAT8QCizKbnGf/8QAHhAAAgIBBQEAAAAAAAAAAAAAAREAIWExQVGBobH/2gAIAQEAAT8QWIaA0TvQsXm4AAQSwz7zzPJjzH6Z///Z"),
        Color422Expected,
        "RGB");

    /// <summary>16 × 24 RGB as YBR_FULL_422 baseline at quality 75 (+eb +q 75), decoded to RGB.</summary>
    public static Vector Color422Q75 { get; } = new(
        "color-422-q75",
        ImageBuilder.Info(16, 24, 8, 8, 7, false, "YBR_FULL_422", samples: 3),
        Convert.FromBase64String("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wAARCAAQABgDASEAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABQYA/8QAIxAAAQMEAgEFAAAAAAAAAAAAAQADEQIEBTEhUfATImFxsf/EABUBAQEAAAAAAAAAAAAAAAAAAAEA/8QAGREAAwEBAQAAAAAAAAAAAAAAAAERMQIS/9oADAMBAAIRAxEAPwBnE3zIp3SJOulQG+a9MGaeo0olkoHkL5uDMdcR4NrJrRVojcPcvBoGauTx8x4FQl90NH21SdR+whjQLIXLoNQkyeT9hZHrlaEp///Z"),
        Convert.FromBase64String(
            "foSCg4eGkJKRoZ+gsKeqtqquvK2yw7K4xbK4y7rAz8DFyr/DyL/Cx8PEw8HCvb2/sa+ysrC1uri9oqClqKOqmJOan5eilo6ZhpWQhpKOjJeTnaOhrK6ttbO0ura3vri6zMPG0cjLz8vMx8XGw8PDwMTDvcPBub+9xcbIubm7tra4paWntLK3qaespqGokYyTiZyWhpeRh5iSl6OfprGtsLa0tLi3uLq5wsLCxsbGxMjHwcXEvMXCvsfEvsrGvsnFsra1sbOysrSzo6Wko6Wkl5mYmJiakJCShZGNg4+LiJOPlp+co6mnrK6tsLKxtbW1ubm5vb29wMDAwMDAvcHAvcHAvMLAvcPBqq+rrrOvsbayp6yonqOflZqWl5yYmJ2Zf4GAhIaFkJCQnpydpKKjqaWmsKqsuLK0v7a5wrm8xr3Ax77Bwry+vLa4t7GztbGysbOwpqunm6CcnaKenqOfnqOfkZaSiI2Je3d4g3+Ak42Pn5mbo52fpJ6graSnt66xua6yu7C0wre7x7zAxLm9vbK2uK2xtq2wqaeqo6Oll5eZnJyej5GQjpCPgIKBgIKBc3NzeHh4goKCjY2Nk5OTlZWVnJycpKSkpqSlp6WmrqyttbO0t7O0sKytr6mrsqywpaCmqqWsoJ2kpaKpi4mOh4WKfX1/iIiKaXJvaHFubXZzd4B9f4qGg46KiZSQjpmVnaajm6ShoKakpKqooqalmp6dmpybn5+hn5qhmZGch3+KlY2YhoGIioWMdXN4dnR5Y1xjdG10a2VpgXt/jIaKmZOXjIaIoJqcmpSWlY+RmZOTpqCgqKKinpiYmZSRnJeUmpmVjo2Je3p2fn15jI2Ie3x3aGpldHZxVlFXZWBmZWBkdG9zgXyAh4KGgn5/lJCRnJiZmZWWlJCPkY2Mk4+Ol5OSl5OQlJCNjYyKiIeFd3Z0d3Z0gIB+c3NxYmRjaWtqTklPV1JYYl1haGNne3Z6d3J2fXl6iYWGjIiJlJCRlZGQkY2MlJCPm5eWko6LgX18gH99gX+AdXV1bm5ucnJ0a2ttXl9jXl9jTUtQTkxRYF5hYV9ienh7cnBzfXt8f31+gX+AiIaHjo2LkpGPmJeVmZiWjIuHfHt5eHh2fX19d3d3bGxsaGhqZmVqX15jWFddT01SSEZLW1lcYF5heHZ5cnBzfXt8d3V2i4mKg4GCgH99iIeFjIuJiIeFhYSAhoWDdnZ0enp6d3d3a2trYWFjY2NlYF9kVFNYS0pPRENIVlZYY2Nlbm5wb29xeXl5cnJyh4eHfn5+f399iYmHiYmHfX17eHl0fX55eXt4dHZzdHRyampoXV1bX19dYWBeU1JQSEdMSEdMWlpccHByZmZob29xeHh4eHh4f39/hISEjY2LkpKQjo6MhISCfX55ent2gYN+cnRvcHJtbG5pXl9ZXl9ZYmJYVVVLSUhNUE9UY2Nlfn6AZGRmcnJ0e3t7g4ODioqKlJSUlpaUjIyKh4eFjo6MkpOOj5CLiIuEc3ZvcHNsb3JrYWNYYGJXZWZYWVpM"),
        "RGB");

    /// <summary>The DCT vectors, sequential and progressive.</summary>
    public static IReadOnlyList<Vector> All => [Gray8, Gray8Progressive, Gray12, Color422, Color422Progressive, Color422Q75];

    private static byte[] Gray8Expected => Convert.FromBase64String(
        "PEhJVE9rYW50eXl3g3hyd0BLT1tca2lzfX+DhIl5f5Y1QEZTWVtlcHaEhnl+e3h0O0A9VGdsbmltfIqEgnR0eSI+RlhVWmJqdHFxcH16c2cwOzdFTF1fY3B7gHBwc3JjKzA3PEROVWNoY2twdGtpZB8jPEJOS01bVF9tZWBeZ2MOKyE4L0FFW0tYY2ZaWGNeDSEgNThGS1VhSlJKVVpORAMNFyUuN0JCUEtUUVdKTUMFCxghIi48Oz87UExTVEdDDRAZJh4zOzs6TzVJT0xZPQ==");

    private static byte[] Color422Expected => Convert.FromBase64String(
        "lYSMiXqBn5SaqaOntLS2uLy9u8TDwMrJ0N7exdPUxtTVk4eJmIyOo5qbtKustrKzsa2uzMrL1tTV0MvP39nd39bblI+LlI+LlJCNoaCcsbGvuLq3y8/OyMzLz9PS3+Pi4uThjZKLl5yVqa6oo6Wipqilu7m6xMLFz8nN3dTX2c3R49PUjn2DmIeNqZqhq5yjr6SswLW9vre/xr/H0M7TysjN0dHRa3d3go6OjpiZpK6vp6+xpq6wuL3AyM3QwsfK09jb1Nnch3qEkYSOin2GoZSdr6KptKeutquvt6ywycPH1dDU0M/Ucnx9goqMi5STjpKTmJ2Zs7WysLGsu7y3z8/NwsLCv8DCXWFsfn6Ki4OOlYWPoI6OrZuZtKyprqSsvarGv7HLyc3QAA==");
}
