using PlaoImaging.Dicom.PresentationState;

namespace PlaoImaging.Reporting.Tests.Presentation;

/// <summary>
/// A small rasteriser of presentation-state graphics for tests: draws lines and points, given in presentation-state
/// pixel space (origin at the top left corner of the first pixel), onto an RGB copy of a rendered grey image. A point
/// (c, r) falls in pixel column floor(c), row floor(r).
/// </summary>
internal sealed class OverlayRaster
{
    public OverlayRaster(byte[] grey, int width, int height)
    {
        Width = width;
        Height = height;
        Rgb = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++)
        {
            Rgb[3 * i] = Rgb[(3 * i) + 1] = Rgb[(3 * i) + 2] = grey[i];
        }
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Rgb { get; }

    public static (int Column, int Row) PixelOf(GraphicPoint p) => ((int)Math.Floor(p.Column), (int)Math.Floor(p.Row));

    public (byte R, byte G, byte B) At(int column, int row)
    {
        int i = 3 * ((row * Width) + column);
        return (Rgb[i], Rgb[i + 1], Rgb[i + 2]);
    }

    public void Line(GraphicPoint from, GraphicPoint to, (byte R, byte G, byte B) colour)
    {
        double length = Math.Max(Math.Abs(to.Column - from.Column), Math.Abs(to.Row - from.Row));
        int steps = 2 * Math.Max(1, (int)Math.Ceiling(length * 2)); // even: the midpoint is one of the samples
        for (int s = 0; s <= steps; s++)
        {
            double t = (double)s / steps;
            Set(new GraphicPoint(from.Column + ((to.Column - from.Column) * t), from.Row + ((to.Row - from.Row) * t)), colour);
        }
    }

    public void Point(GraphicPoint at, (byte R, byte G, byte B) colour)
    {
        for (int dy = -1; dy <= 1; dy++)
        {
            for (int dx = -1; dx <= 1; dx++)
            {
                Set(new GraphicPoint(at.Column + dx, at.Row + dy), colour);
            }
        }
    }

    private void Set(GraphicPoint p, (byte R, byte G, byte B) colour)
    {
        var (c, r) = PixelOf(p);
        if (c < 0 || r < 0 || c >= Width || r >= Height)
        {
            return;
        }

        int i = 3 * ((r * Width) + c);
        Rgb[i] = colour.R;
        Rgb[i + 1] = colour.G;
        Rgb[i + 2] = colour.B;
    }

    /// <summary>Reads a binary 8-bit PGM (P5) as written by DCMTK's dcmp2pgm.</summary>
    public static (byte[] Pixels, int Width, int Height) ReadPgm(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int pos = 0;
        string Token()
        {
            while (char.IsWhiteSpace((char)bytes[pos]))
            {
                pos++;
            }

            int start = pos;
            while (!char.IsWhiteSpace((char)bytes[pos]))
            {
                pos++;
            }

            return System.Text.Encoding.ASCII.GetString(bytes, start, pos - start);
        }

        if (Token() != "P5")
        {
            throw new InvalidDataException($"{path} is not a binary PGM");
        }

        int width = int.Parse(Token(), System.Globalization.CultureInfo.InvariantCulture);
        int height = int.Parse(Token(), System.Globalization.CultureInfo.InvariantCulture);
        if (Token() != "255")
        {
            throw new InvalidDataException($"{path} is not 8-bit");
        }

        pos++;
        return (bytes[pos..(pos + (width * height))], width, height);
    }
}
