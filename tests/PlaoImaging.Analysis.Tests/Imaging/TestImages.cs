using PlaoImaging.Analysis.Imaging;

namespace PlaoImaging.Analysis.Tests.Imaging;

/// <summary>Synthetic spine images for the engine's pure parts.</summary>
internal static class TestImages
{
    /// <summary>v[i, j] = (37 i + 101 j + (i j mod 13)) mod <paramref name="modulus"/>, × scale + offset in float32 (as numpy does on a float32 array).</summary>
    public static float[] Pattern(int rows, int cols, int modulus, float scale = 1f, float offset = 0f)
    {
        float[] values = new float[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                float v = (((37 * i) + (101 * j) + ((i * j) % 13)) % modulus);
                values[(i * cols) + j] = scale == 1f && offset == 0f ? v : (v * scale) + offset;
            }
        }

        return values;
    }

    public static SpineImage Image(
        int rows,
        int cols,
        float[] values,
        string modality = "CR",
        string photometric = "MONOCHROME2",
        (double Center, double Width)? window = null,
        IReadOnlyDictionary<string, (double Row, double Column)>? spacing = null)
    {
        return new SpineImage
        {
            Source = new ImageReference("1.2.3", "1.2.3.4", "1.2.3.4.5", "1.2.840.10008.5.1.4.1.1.1", 0),
            Modality = modality,
            Rows = rows,
            Columns = cols,
            Values = values,
            PhotometricInterpretation = photometric,
            Window = window,
            SpacingAttributes = spacing ?? new Dictionary<string, (double Row, double Column)>(),
        };
    }

    public static Dictionary<string, (double Row, double Column)> Spacing(string attribute, double mm) => new() { [attribute] = (mm, mm) };

    /// <summary>The detector input computed the slow, obvious way (dense weight matrices, wy × img × wxᵀ), for comparison.</summary>
    public static double[,] DenseReference(SpineImage image, ModelInputGeometry g, NormalisationSpec norm, int gridH, int gridW)
    {
        double[,] wy = Dense(image.Rows, g.OutHeight);
        double[,] wx = Dense(image.Columns, g.OutWidth);
        double[,] tmp = new double[g.OutHeight, image.Columns];
        for (int j = 0; j < g.OutHeight; j++)
        {
            for (int i = 0; i < image.Rows; i++)
            {
                if (wy[j, i] == 0)
                {
                    continue;
                }

                for (int c = 0; c < image.Columns; c++)
                {
                    tmp[j, c] += wy[j, i] * g.Intensity.Apply(image.Values[(i * image.Columns) + c]);
                }
            }
        }

        double[,] grid = new double[gridH, gridW];
        for (int j = 0; j < gridH; j++)
        {
            for (int k = 0; k < gridW; k++)
            {
                if (j >= g.OutHeight || k >= g.OutWidth)
                {
                    grid[j, k] = norm.PaddingValue;
                    continue;
                }

                double v = 0;
                for (int c = 0; c < image.Columns; c++)
                {
                    v += tmp[j, c] * wx[k, c];
                }

                grid[j, k] = norm.Apply(v);
            }
        }

        return grid;
    }

    private static double[,] Dense(int nIn, int nOut)
    {
        double[,] w = new double[nOut, nIn];
        double step = (double)nIn / nOut;
        for (int j = 0; j < nOut; j++)
        {
            double a = j * step;
            double b = (j + 1) * step;
            double sum = 0;
            for (int i = 0; i < nIn; i++)
            {
                w[j, i] = Math.Max(0, Math.Min(b, i + 1) - Math.Max(a, i));
                sum += w[j, i];
            }

            for (int i = 0; i < nIn; i++)
            {
                w[j, i] /= sum;
            }
        }

        return w;
    }
}
