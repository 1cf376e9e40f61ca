using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using JpegLibrary;

namespace PlaoImaging.Dicom.Imaging;

/// <summary>
/// DCT-based JPEG, decoded to match libjpeg 6b (DCMTK's dcmdjpeg) sample for sample:
/// <list type="bullet">
/// <item>sequential (baseline and extended, 8 or 12 bits; processes 1, 2 and 4) by our own Huffman decoder and the
/// integer "slow" IDCT libjpeg uses by default (the Loeffler–Ligtenberg–Moschytz factorisation with 13-bit constants),
/// because JpegLibrary's floating-point IDCT lands 1 off libjpeg on a few percent of samples, and a 1-step error in Cb
/// or Cr grows to 2 in R, G or B once converted;</item>
/// <item>progressive by JpegLibrary (float IDCT: within 1 of libjpeg per component, up to 3 in RGB after conversion);</item>
/// <item>then each component brought to full resolution as libjpeg's upsampler does.</item>
/// </list>
/// </summary>
internal static class JpegDct
{
    /// <summary>Zig-zag position → natural (row-major) position in an 8×8 block (ITU-T T.81 Figure A.6).</summary>
    private static readonly byte[] NaturalOrder =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    /// <summary>Decodes to one full-resolution plane per component, samples in 0..2^P−1.</summary>
    public static ushort[][] Decode(ReadOnlySpan<byte> data, JpegCodestream stream, int frame)
    {
        var header = stream.Frame;
        int maxH = header.MaxH;
        int maxV = header.MaxV;
        bool progressive = header.Process == JpegProcess.Progressive;
        foreach (var c in header.Components)
        {
            // libjpeg upsamples integral ratios only; JpegLibrary places a subsampled component's blocks correctly only
            // when its factors are 1 or the maximum (which still covers 4:4:4, 4:2:2, 4:2:0, 4:4:0 and 4:1:1).
            bool supported = progressive
                ? (c.H == 1 || c.H == maxH) && (c.V == 1 || c.V == maxV)
                : maxH % c.H == 0 && maxV % c.V == 0;
            if (!supported)
            {
                throw new DicomPixelDataException(frame, $"JPEG sampling factors {string.Join(", ", header.Components.Select(k => $"{k.H}×{k.V}"))} are not supported");
            }
        }

        var (planes, widths, heights) = progressive
            ? DecodeWithJpegLibrary(data, stream, frame)
            : DecodeSequential(data, stream, frame);
        var result = new ushort[planes.Length][];
        for (int i = 0; i < planes.Length; i++)
        {
            var c = header.Components[i];
            result[i] = Upsample(planes[i], widths[i], heights[i], maxH / c.H, maxV / c.V, header.SamplesPerLine, header.Lines);
        }

        return result;
    }

    /// <summary>A component's own size, as libjpeg computes it: ceil(X · H / Hmax) × ceil(Y · V / Vmax).</summary>
    private static (int Width, int Height) ComponentSize(JpegFrameHeader header, JpegComponent c) =>
        ((int)(((long)header.SamplesPerLine * c.H + header.MaxH - 1) / header.MaxH), (int)(((long)header.Lines * c.V + header.MaxV - 1) / header.MaxV));

    private static (ushort[][] Planes, int[] Widths, int[] Heights) DecodeWithJpegLibrary(ReadOnlySpan<byte> data, JpegCodestream stream, int frame)
    {
        // The tables are checked by our parsers first, so JpegLibrary only ever sees well-formed ones.
        foreach (var segment in stream.Segments)
        {
            var p = data.Slice(segment.Start, segment.Length);
            if (segment.Marker == 0xC4)
            {
                while (!p.IsEmpty)
                {
                    if (p[0] >> 4 > 1 || (p[0] & 15) > 3)
                    {
                        throw new DicomPixelDataException(frame, $"JPEG Huffman table class {p[0] >> 4} / id {p[0] & 15} is out of range");
                    }

                    JpegHuffmanDecodingTable.Parse(p[1..], frame, out int consumed);
                    p = p[(1 + consumed)..];
                }
            }
            else if (segment.Marker == 0xDB)
            {
                while (!p.IsEmpty)
                {
                    int size = (p[0] >> 4) == 0 ? 64 : 128;
                    if (p[0] >> 4 > 1 || (p[0] & 15) > 3 || p.Length < 1 + size)
                    {
                        throw new DicomPixelDataException(frame, "JPEG quantization table is malformed or cut short");
                    }

                    p = p[(1 + size)..];
                }
            }
        }

        var writer = new PlaneWriter(stream.Frame);
        var decoder = new JpegDecoder();
        decoder.SetInput(data[..stream.End].ToArray());
        decoder.SetOutputWriter(writer);
        decoder.Decode();
        return (writer.Planes, writer.Widths, writer.Heights);
    }

    private static (ushort[][] Planes, int[] Widths, int[] Heights) DecodeSequential(ReadOnlySpan<byte> data, JpegCodestream stream, int frame)
    {
        var header = stream.Frame;
        int n = header.Components.Length;
        int mcusPerLine = (header.SamplesPerLine + (8 * header.MaxH) - 1) / (8 * header.MaxH);
        int mcuRows = (header.Lines + (8 * header.MaxV) - 1) / (8 * header.MaxV);

        // Each component is decoded into a plane padded to whole MCUs, then cut to its own size.
        var padded = new ushort[n][];
        var strides = new int[n];
        for (int i = 0; i < n; i++)
        {
            var c = header.Components[i];
            strides[i] = mcusPerLine * c.H * 8;
            padded[i] = new ushort[(long)strides[i] * mcuRows * c.V * 8];
        }

        var quantization = new int[4][];
        var dcTables = new JpegHuffmanDecodingTable?[4];
        var acTables = new JpegHuffmanDecodingTable?[4];
        int restartInterval = 0;
        foreach (var segment in stream.Segments)
        {
            var p = data.Slice(segment.Start, segment.Length);
            switch (segment.Marker)
            {
                case 0xDB:
                    while (!p.IsEmpty)
                    {
                        int elementPrecision = p[0] >> 4;
                        int id = p[0] & 15;
                        int size = elementPrecision == 0 ? 64 : 128;
                        if (elementPrecision > 1 || id > 3 || p.Length < 1 + size)
                        {
                            throw new DicomPixelDataException(frame, $"JPEG quantization table (precision {elementPrecision}, id {id}) is malformed or cut short");
                        }

                        var table = new int[64];
                        for (int k = 0; k < 64; k++)
                        {
                            table[NaturalOrder[k]] = elementPrecision == 0 ? p[1 + k] : BinaryPrimitives.ReadUInt16BigEndian(p[(1 + (2 * k))..]);
                        }

                        quantization[id] = table;
                        p = p[(1 + size)..];
                    }

                    break;
                case 0xC4:
                    JpegHuffmanDecodingTable.ReadSegment(p, frame, dcTables, acTables);
                    break;
                case 0xDD:
                    restartInterval = JpegCodestream.ReadRestartInterval(p, frame);
                    break;
                case 0xDA:
                    var scan = new SequentialScan(header, p, quantization, dcTables, acTables, frame);
                    scan.Decode(data.Slice(segment.EntropyStart, segment.EntropyLength), padded, strides, mcusPerLine, mcuRows, restartInterval);
                    break;
            }
        }

        var planes = new ushort[n][];
        var widths = new int[n];
        var heights = new int[n];
        for (int i = 0; i < n; i++)
        {
            (widths[i], heights[i]) = ComponentSize(header, header.Components[i]);
            planes[i] = new ushort[widths[i] * heights[i]];
            for (int y = 0; y < heights[i]; y++)
            {
                padded[i].AsSpan(y * strides[i], widths[i]).CopyTo(planes[i].AsSpan(y * widths[i]));
            }
        }

        return (planes, widths, heights);
    }

    /// <summary>One sequential scan: its components, their tables, and the MCU walk (ITU-T T.81 A.2, F.2.2).</summary>
    private sealed class SequentialScan
    {
        private readonly JpegFrameHeader header;
        private readonly int[] components;
        private readonly JpegHuffmanDecodingTable[] dc;
        private readonly JpegHuffmanDecodingTable[] ac;
        private readonly int[][] quantization;
        private readonly int frame;

        public SequentialScan(JpegFrameHeader header, ReadOnlySpan<byte> p, int[]?[] tables, JpegHuffmanDecodingTable?[] dcTables, JpegHuffmanDecodingTable?[] acTables, int frame)
        {
            this.header = header;
            this.frame = frame;
            int n = p[0];
            components = new int[n];
            dc = new JpegHuffmanDecodingTable[n];
            ac = new JpegHuffmanDecodingTable[n];
            quantization = new int[n][];
            for (int i = 0; i < n; i++)
            {
                int index = header.IndexOf(p[1 + (2 * i)]);
                components[i] = index;
                int dcId = p[2 + (2 * i)] >> 4;
                int acId = p[2 + (2 * i)] & 15;
                dc[i] = (dcId < 4 ? dcTables[dcId] : null) ?? throw new DicomPixelDataException(frame, $"JPEG scan uses DC Huffman table {dcId}, which is not defined");
                ac[i] = (acId < 4 ? acTables[acId] : null) ?? throw new DicomPixelDataException(frame, $"JPEG scan uses AC Huffman table {acId}, which is not defined");
                int tq = header.Components[index].Tq;
                quantization[i] = tables[tq] ?? throw new DicomPixelDataException(frame, $"JPEG component {header.Components[index].Id} uses quantization table {tq}, which is not defined");
            }
        }

        public void Decode(ReadOnlySpan<byte> entropy, ushort[][] planes, int[] strides, int mcusPerLine, int mcuRows, int restartInterval)
        {
            var reader = new JpegBitReader(entropy, frame);
            var predictors = new int[components.Length];
            Span<int> block = stackalloc int[64];
            Span<long> workspace = stackalloc long[64];
            int max = (1 << header.Precision) - 1;
            int pass1Bits = header.Precision == 8 ? 2 : 1;

            // A one-component scan is not interleaved: its MCU is one block, and only the component's own blocks are coded.
            bool interleaved = components.Length > 1;
            int columns = mcusPerLine;
            int rows = mcuRows;
            if (!interleaved)
            {
                var (width, height) = ComponentSize(header, header.Components[components[0]]);
                columns = (width + 7) / 8;
                rows = (height + 7) / 8;
            }

            long total = (long)columns * rows;
            int restart = 0;
            for (long mcu = 0; mcu < total; mcu++)
            {
                if (restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0)
                {
                    reader.ReadRestartMarker(restart);
                    restart = (restart + 1) & 7;
                    predictors.AsSpan().Clear();
                }

                int mcuX = (int)(mcu % columns);
                int mcuY = (int)(mcu / columns);
                for (int k = 0; k < components.Length; k++)
                {
                    var c = header.Components[components[k]];
                    int blocksH = interleaved ? c.H : 1;
                    int blocksV = interleaved ? c.V : 1;
                    for (int v = 0; v < blocksV; v++)
                    {
                        for (int h = 0; h < blocksH; h++)
                        {
                            DecodeBlock(ref reader, k, ref predictors[k], block);
                            int x = ((mcuX * blocksH) + h) * 8;
                            int y = ((mcuY * blocksV) + v) * 8;
                            int stride = strides[components[k]];
                            InverseDct(block, quantization[k], workspace, planes[components[k]].AsSpan((y * stride) + x), stride, pass1Bits, max);
                        }
                    }
                }
            }
        }

        private void DecodeBlock(ref JpegBitReader reader, int k, ref int predictor, scoped Span<int> block)
        {
            block.Clear();
            int category = dc[k].Decode(ref reader);
            if (category > 16)
            {
                throw reader.Error($"DC difference category {category} is over 16");
            }

            predictor += category == 0 ? 0 : Extend(reader.Read(category), category);
            block[0] = predictor;
            for (int i = 1; i < 64; i++)
            {
                int symbol = ac[k].Decode(ref reader);
                int run = symbol >> 4;
                int size = symbol & 15;
                if (size == 0)
                {
                    if (run != 15)
                    {
                        break; // end of block
                    }

                    i += 15; // sixteen zeros
                    continue;
                }

                i += run;
                if (i > 63)
                {
                    throw reader.Error("an AC coefficient run goes past the end of the block");
                }

                block[NaturalOrder[i]] = Extend(reader.Read(size), size);
            }
        }

        private static int Extend(int bits, int size) => bits < 1 << (size - 1) ? bits - (1 << size) + 1 : bits;
    }

    // The 13-bit fixed-point constants of the LLM IDCT: round(x · 2^13).
    private const int ConstBits = 13;
    private const long F0298631336 = 2446;
    private const long F0390180644 = 3196;
    private const long F0541196100 = 4433;
    private const long F0765366865 = 6270;
    private const long F0899976223 = 7373;
    private const long F1175875602 = 9633;
    private const long F1501321110 = 12299;
    private const long F1847759065 = 15137;
    private const long F1961570560 = 16069;
    private const long F2053119869 = 16819;
    private const long F2562915447 = 20995;
    private const long F3072711026 = 25172;

    /// <summary>
    /// Dequantizes and inverse-transforms one block into <paramref name="output"/> (row stride <paramref name="stride"/>),
    /// level-shifted and range-limited. Columns first into a workspace scaled by 2^pass1Bits, then rows; the arithmetic,
    /// the rounding at each pass and the wrap-then-clamp range limit are those of libjpeg's default integer IDCT.
    /// </summary>
    internal static void InverseDct(ReadOnlySpan<int> coefficients, ReadOnlySpan<int> quantization, Span<long> workspace, Span<ushort> output, int stride, int pass1Bits, int max)
    {
        Span<long> input = stackalloc long[8];
        Span<long> result = stackalloc long[8];
        for (int column = 0; column < 8; column++)
        {
            for (int row = 0; row < 8; row++)
            {
                input[row] = (long)coefficients[(row * 8) + column] * quantization[(row * 8) + column];
            }

            Transform(input, result, ConstBits - pass1Bits);
            for (int row = 0; row < 8; row++)
            {
                workspace[(row * 8) + column] = result[row];
            }
        }

        int center = (max + 1) / 2;
        int range = 4 * (max + 1);
        for (int row = 0; row < 8; row++)
        {
            Transform(workspace.Slice(row * 8, 8), result, ConstBits + pass1Bits + 3);
            var line = output.Slice(row * stride, 8);
            for (int column = 0; column < 8; column++)
            {
                // libjpeg masks the value to 4·(MAX+1) before its range-limit table: wrap into ±2·(MAX+1), then clamp.
                int value = (int)((((result[column] + (2 * (max + 1))) & (range - 1)) - (2 * (max + 1))) + center);
                line[column] = (ushort)Math.Clamp(value, 0, max);
            }
        }
    }

    /// <summary>The 8-point LLM inverse DCT of <paramref name="x"/>, each output rounded and shifted down by <paramref name="shift"/> bits.</summary>
    private static void Transform(ReadOnlySpan<long> x, Span<long> y, int shift)
    {
        // Even part: inputs 0, 2, 4, 6.
        long z1 = (x[2] + x[6]) * F0541196100;
        long even2 = z1 - (x[6] * F1847759065);
        long even3 = z1 + (x[2] * F0765366865);
        long even0 = (x[0] + x[4]) << ConstBits;
        long even1 = (x[0] - x[4]) << ConstBits;
        long t10 = even0 + even3;
        long t13 = even0 - even3;
        long t11 = even1 + even2;
        long t12 = even1 - even2;

        // Odd part: inputs 7, 5, 3, 1.
        long a0 = x[7];
        long a1 = x[5];
        long a2 = x[3];
        long a3 = x[1];
        long s1 = a0 + a3;
        long s2 = a1 + a2;
        long s3 = a0 + a2;
        long s4 = a1 + a3;
        long s5 = (s3 + s4) * F1175875602;
        a0 *= F0298631336;
        a1 *= F2053119869;
        a2 *= F3072711026;
        a3 *= F1501321110;
        s1 *= -F0899976223;
        s2 *= -F2562915447;
        s3 = (s3 * -F1961570560) + s5;
        s4 = (s4 * -F0390180644) + s5;
        a0 += s1 + s3;
        a1 += s2 + s4;
        a2 += s2 + s3;
        a3 += s1 + s4;

        long round = 1L << (shift - 1);
        y[0] = (t10 + a3 + round) >> shift;
        y[7] = (t10 - a3 + round) >> shift;
        y[1] = (t11 + a2 + round) >> shift;
        y[6] = (t11 - a2 + round) >> shift;
        y[2] = (t12 + a1 + round) >> shift;
        y[5] = (t12 - a1 + round) >> shift;
        y[3] = (t13 + a0 + round) >> shift;
        y[4] = (t13 - a0 + round) >> shift;
    }

    /// <summary>
    /// Brings a component plane of <paramref name="inWidth"/> × <paramref name="inHeight"/> samples to full resolution
    /// as libjpeg's upsampler does: for a 2:1 horizontal ratio (with 1:1 or 2:1 vertical) and more than 2 samples per line,
    /// each output sample is 3/4 of the nearer and 1/4 of the farther input sample in each direction (edges repeated),
    /// with libjpeg's alternating rounding; any other ratio repeats samples.
    /// </summary>
    internal static ushort[] Upsample(ushort[] plane, int inWidth, int inHeight, int hs, int vs, int width, int height)
    {
        if (hs == 1 && vs == 1)
        {
            return plane;
        }

        var output = new ushort[width * height];
        if (hs == 2 && vs is 1 or 2 && inWidth > 2)
        {
            for (int y = 0; y < height; y++)
            {
                int inY = y / vs;
                int row = inY * inWidth;
                int neighbour = vs == 1 ? row : (y % 2 == 0 ? Math.Max(inY - 1, 0) : Math.Min(inY + 1, inHeight - 1)) * inWidth;
                int outRow = y * width;
                for (int x = 0; x < width; x++)
                {
                    int ix = x >> 1;
                    int other = (x & 1) == 0 ? Math.Max(ix - 1, 0) : Math.Min(ix + 1, inWidth - 1);
                    int value;
                    if (vs == 1)
                    {
                        // First and last output samples copy the input; the rest are (3a + b + 1 or 2) / 4.
                        value = (x == 0 || x == (2 * inWidth) - 1)
                            ? plane[row + ix]
                            : ((3 * plane[row + ix]) + plane[row + other] + ((x & 1) == 0 ? 1 : 2)) >> 2;
                    }
                    else
                    {
                        // Column sums 3·near row + far row, then (3·this + that + 8 or 7) / 16, edges (4·this + 8 or 7) / 16.
                        int thisSum = (3 * plane[row + ix]) + plane[neighbour + ix];
                        int otherSum = (3 * plane[row + other]) + plane[neighbour + other];
                        value = x == 0 ? ((4 * thisSum) + 8) >> 4
                            : x == (2 * inWidth) - 1 ? ((4 * thisSum) + 7) >> 4
                            : ((3 * thisSum) + otherSum + ((x & 1) == 0 ? 8 : 7)) >> 4;
                    }

                    output[outRow + x] = (ushort)value;
                }
            }

            return output;
        }

        for (int y = 0; y < height; y++)
        {
            int row = Math.Min(y / vs, inHeight - 1) * inWidth;
            for (int x = 0; x < width; x++)
            {
                output[(y * width) + x] = plane[row + Math.Min(x / hs, inWidth - 1)];
            }
        }

        return output;
    }

    /// <summary>Collects JpegLibrary's 8×8 output blocks into planes at each component's own resolution.</summary>
    private sealed class PlaneWriter : JpegBlockOutputWriter
    {
        private readonly int[] hs;
        private readonly int[] vs;
        private readonly int max;

        public PlaneWriter(JpegFrameHeader header)
        {
            int n = header.Components.Length;
            Planes = new ushort[n][];
            Widths = new int[n];
            Heights = new int[n];
            hs = new int[n];
            vs = new int[n];
            max = (1 << header.Precision) - 1;
            for (int i = 0; i < n; i++)
            {
                var c = header.Components[i];
                hs[i] = header.MaxH / c.H;
                vs[i] = header.MaxV / c.V;
                (Widths[i], Heights[i]) = ComponentSize(header, c);
                Planes[i] = new ushort[Widths[i] * Heights[i]];
            }
        }

        public ushort[][] Planes { get; }

        public int[] Widths { get; }

        public int[] Heights { get; }

        /// <summary>
        /// JpegLibrary hands a subsampled component's blocks over repeated to full resolution, at full-resolution
        /// coordinates: the component's own sample (u, v) is the one at (u·hs, v·vs).
        /// </summary>
        public override void WriteBlock(ref short blockRef, int componentIndex, int x, int y)
        {
            if ((uint)componentIndex >= (uint)Planes.Length || x < 0 || y < 0)
            {
                return;
            }

            int h = hs[componentIndex];
            int v = vs[componentIndex];
            int planeWidth = Widths[componentIndex];
            int planeHeight = Heights[componentIndex];
            var plane = Planes[componentIndex];
            for (int i = 0; i < 8; i++)
            {
                int fullY = y + i;
                if (fullY % v != 0)
                {
                    continue;
                }

                int row = fullY / v;
                if (row >= planeHeight)
                {
                    break;
                }

                for (int j = 0; j < 8; j++)
                {
                    int fullX = x + j;
                    if (fullX % h != 0)
                    {
                        continue;
                    }

                    int column = fullX / h;
                    if (column >= planeWidth)
                    {
                        break;
                    }

                    int value = Unsafe.Add(ref blockRef, (i * 8) + j);
                    plane[(row * planeWidth) + column] = (ushort)Math.Clamp(value, 0, max);
                }
            }
        }
    }
}

/// <summary>The YCbCr to RGB conversion of libjpeg (JFIF, full range) in its fixed-point form, so results match DCMTK.</summary>
internal static class JpegColor
{
    private const int ScaleBits = 16;
    private const long Half = 1L << (ScaleBits - 1);
    private const long CrToR = 91881;  // round(1.40200 · 2^16)
    private const long CbToB = 116130; // round(1.77200 · 2^16)
    private const long CrToG = 46802;  // round(0.71414 · 2^16)
    private const long CbToG = 22554;  // round(0.34414 · 2^16)

    /// <summary>Converts three planes in place; <paramref name="bits"/> is the sample size of the libjpeg build (8, 12 or 16).</summary>
    public static void YCbCrToRgb(ushort[] y, ushort[] cb, ushort[] cr, int bits)
    {
        int center = 1 << (bits - 1);
        int max = (1 << bits) - 1;
        for (int i = 0; i < y.Length; i++)
        {
            int luma = y[i];
            long blue = cb[i] - center;
            long red = cr[i] - center;
            int r = luma + (int)(((CrToR * red) + Half) >> ScaleBits);
            int g = luma + (int)(((-CbToG * blue) + Half + (-CrToG * red)) >> ScaleBits);
            int b = luma + (int)(((CbToB * blue) + Half) >> ScaleBits);
            y[i] = (ushort)Math.Clamp(r, 0, max);
            cb[i] = (ushort)Math.Clamp(g, 0, max);
            cr[i] = (ushort)Math.Clamp(b, 0, max);
        }
    }
}
