namespace PlaoImaging.Tests.Shared;

/// <summary>
/// Hand-built baseline JPEG codestreams for decoder tests: every block carries only a DC coefficient (quantizer 8, so a
/// block decodes to the flat value DC + 128), which keeps the expected samples obvious while exercising what the peer
/// encoders do not write: restart intervals, one scan per component, and any sampling factors (4:2:0 included).
/// </summary>
public static class JpegTestStreams
{
    /// <summary>One frame component: its sampling factors and the DC value (−128..127) of each of its blocks.</summary>
    public sealed record Component(int H, int V, Func<int, int, int> Dc);

    /// <summary>
    /// A baseline (SOF0) codestream of <paramref name="width"/> × <paramref name="height"/> samples with the given
    /// components (ids 1, 2, ...), interleaved in one scan or one scan per component, and a restart marker every
    /// <paramref name="restartInterval"/> MCUs (0: none).
    /// </summary>
    public static byte[] DcOnlyBaseline(int width, int height, IReadOnlyList<Component> components, int restartInterval = 0, bool scanPerComponent = false)
    {
        ArgumentNullException.ThrowIfNull(components);
        int maxH = components.Max(c => c.H);
        int maxV = components.Max(c => c.V);
        var output = new List<byte>();
        void Marker(int code)
        {
            output.Add(0xFF);
            output.Add((byte)code);
        }

        void Word(int value)
        {
            output.Add((byte)(value >> 8));
            output.Add((byte)value);
        }

        Marker(0xD8);
        Marker(0xDB);
        Word(67);
        output.Add(0x00);
        for (int i = 0; i < 64; i++)
        {
            output.Add(8);
        }

        Marker(0xC0);
        Word(8 + (3 * components.Count));
        output.Add(8);
        Word(height);
        Word(width);
        output.Add((byte)components.Count);
        for (int i = 0; i < components.Count; i++)
        {
            output.Add((byte)(i + 1));
            output.Add((byte)((components[i].H << 4) | components[i].V));
            output.Add(0);
        }

        // DC table 0: categories 0..11, all with 4-bit codes 0000..1011. AC table 0: end-of-block only, code "0".
        Marker(0xC4);
        Word(2 + 17 + 12 + 17 + 1);
        output.Add(0x00);
        output.AddRange(new byte[] { 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
        output.AddRange(Enumerable.Range(0, 12).Select(i => (byte)i));
        output.Add(0x10);
        output.AddRange(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
        output.Add(0x00);
        if (restartInterval > 0)
        {
            Marker(0xDD);
            Word(4);
            Word(restartInterval);
        }

        var scans = scanPerComponent
            ? Enumerable.Range(0, components.Count).Select(i => new[] { i }).ToArray()
            : [Enumerable.Range(0, components.Count).ToArray()];
        foreach (var scan in scans)
        {
            Marker(0xDA);
            Word(6 + (2 * scan.Length));
            output.Add((byte)scan.Length);
            foreach (int k in scan)
            {
                output.Add((byte)(k + 1));
                output.Add(0x00);
            }

            output.Add(0);
            output.Add(63);
            output.Add(0);
            WriteScan(output, width, height, components, scan, maxH, maxV, restartInterval);
        }

        Marker(0xD9);
        return [.. output];
    }

    private static void WriteScan(List<byte> output, int width, int height, IReadOnlyList<Component> components, int[] scan, int maxH, int maxV, int restartInterval)
    {
        var bits = new BitSink(output);
        var predictors = new int[components.Count];
        bool interleaved = scan.Length > 1;
        int columns;
        int rows;
        if (interleaved)
        {
            columns = (width + (8 * maxH) - 1) / (8 * maxH);
            rows = (height + (8 * maxV) - 1) / (8 * maxV);
        }
        else
        {
            var c = components[scan[0]];
            columns = ((((width * c.H) + maxH - 1) / maxH) + 7) / 8;
            rows = ((((height * c.V) + maxV - 1) / maxV) + 7) / 8;
        }

        int restarts = 0;
        for (int mcu = 0; mcu < columns * rows; mcu++)
        {
            if (restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0)
            {
                bits.Flush();
                output.Add(0xFF);
                output.Add((byte)(0xD0 + (restarts++ % 8)));
                Array.Clear(predictors);
            }

            int mcuX = mcu % columns;
            int mcuY = mcu / columns;
            foreach (int k in scan)
            {
                var c = components[k];
                int blocksH = interleaved ? c.H : 1;
                int blocksV = interleaved ? c.V : 1;
                for (int v = 0; v < blocksV; v++)
                {
                    for (int h = 0; h < blocksH; h++)
                    {
                        int dc = c.Dc((mcuX * blocksH) + h, (mcuY * blocksV) + v);
                        int diff = dc - predictors[k];
                        predictors[k] = dc;
                        int category = diff == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)Math.Abs(diff));
                        bits.Write(category, 4);
                        if (category > 0)
                        {
                            bits.Write((diff < 0 ? diff - 1 : diff) & ((1 << category) - 1), category);
                        }

                        bits.Write(0, 1); // end of block
                    }
                }
            }
        }

        bits.Flush();
    }

    private sealed class BitSink(List<byte> output)
    {
        private int buffer;
        private int count;

        public void Write(int value, int length)
        {
            for (int i = length - 1; i >= 0; i--)
            {
                buffer = (buffer << 1) | ((value >> i) & 1);
                if (++count == 8)
                {
                    output.Add((byte)buffer);
                    if (buffer == 0xFF)
                    {
                        output.Add(0);
                    }

                    buffer = 0;
                    count = 0;
                }
            }
        }

        public void Flush()
        {
            while (count != 0)
            {
                Write(1, 1);
            }
        }
    }
}
