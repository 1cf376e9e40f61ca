using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Dicom.Codecs.Native;

/// <summary>
/// A managed JPEG-LS decoder for the codestreams CharLS 2.x refuses for their preset coding parameters (an LSE segment
/// with T1 &gt; T2, T3 &lt; T2, RESET &lt; 3 and the like, outside the ranges of ISO/IEC 14495-1 C.2.4.1.1), which DCMTK's
/// dcmcjpls writes when given such thresholds and its dcmdjpls decodes with the values as written. It decodes as dcmdjpls
/// 3.6.7 (a CharLS 1.0 fork) does: the gradient quantization of ISO/IEC 14495-1 A.3.3 with the thresholds as they are
/// (zeros replaced by the defaults of C.2.4.1.1.1 for MAXVAL of 128 or more); the range, LIMIT and qbpp of 2^P - 1 even
/// where the LSE gives another MAXVAL, and that MAXVAL used (with RESET) only where RESET is other than 0 and 64; RESET
/// for the run-interruption contexts taken modulo 256. Codestreams that dcmdjpls would read in a way of its own (sample
/// interleave with such a RESET, mapping tables, restart intervals, a colour transform, an LSE between scans) and those
/// dcmdjpls refuses (fewer than 6 bits per sample) are refused with the reason.
/// </summary>
internal static class JpegLsPresetDecoder
{
    private const int BasicReset = 64;

    /// <summary>ISO/IEC 14495-1 A.7.1.2: the run-length order for each run index.</summary>
    private static readonly int[] J = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    /// <summary>
    /// Decodes the frame: samples of 1 byte (up to 8 bits) or 2 (little-endian), component by component (one scan each)
    /// where <paramref name="planar"/>, else colour-by-pixel. The frame header is checked against the dataset first.
    /// </summary>
    public static byte[] Decode(ReadOnlySpan<byte> encoded, DicomImageInfo info, int frame, out int bitsPerSample, out bool planar)
    {
        var data = encoded.ToArray();
        var header = ReadHeader(data, frame);
        JpegLsCodec.CheckHeader(new CharLsInterop.FrameInfo { Width = (uint)header.Width, Height = (uint)header.Height, BitsPerSample = header.Bits, ComponentCount = header.Components }, info, frame);
        var scan = header.Scan;
        if (header.Bits < 6)
        {
            throw Refused(frame, header, $"{header.Bits}-bit samples (dcmdjpls reads 6 to 16)");
        }

        if (scan.Interleave > 2 || (header.Components == 1 && scan.Interleave != 0) || (header.Components != 3 && scan.Interleave == 2))
        {
            throw Refused(frame, header, $"interleave mode {scan.Interleave} with {header.Components} components");
        }

        int maxBits = (1 << header.Bits) - 1;
        if (scan.Near > Math.Min(255, maxBits / 2))
        {
            throw Refused(frame, header, $"NEAR {scan.Near}");
        }

        var parameters = Parameters.Of(header, scan.Near);
        if (parameters.CustomReset && scan.Interleave == 2)
        {
            throw Refused(frame, header, "sample interleave with RESET other than 64 (dcmdjpls decodes that as one component)");
        }

        bitsPerSample = header.Bits;
        planar = header.Components > 1 && scan.Interleave == 0;
        int sampleBytes = header.Bits <= 8 ? 1 : 2;
        var output = new byte[header.Width * header.Height * header.Components * sampleBytes];
        int position = scan.DataStart;
        int scans = scan.Interleave == 0 ? header.Components : 1;
        for (int s = 0; s < scans; s++)
        {
            if (s > 0)
            {
                position = NextScan(data, position, frame, header);
            }

            int end = ScanEnd(data, position);
            var reader = new BitReader(data, position, end, frame);
            var decoder = new ScanDecoder(parameters, reader, header.Width, frame);
            int components = scan.Interleave == 0 ? 1 : header.Components;
            if (scan.Interleave == 2)
            {
                decoder.DecodeSampleInterleaved(output, header.Height, sampleBytes);
            }
            else
            {
                decoder.DecodeLines(output, header.Height, components, header.Components, s, planar, sampleBytes);
            }

            reader.EndScan();
            position = end;
        }

        return output;
    }

    private static Header ReadHeader(byte[] data, int frame)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8)
        {
            throw new DicomPixelDataException(frame, "the JPEG-LS codestream does not start with SOI");
        }

        var header = new Header();
        int i = 2;
        while (true)
        {
            while (i + 1 < data.Length && data[i] == 0xFF && data[i + 1] == 0xFF)
            {
                i++;
            }

            if (i + 3 >= data.Length || data[i] != 0xFF)
            {
                throw new DicomPixelDataException(frame, "the JPEG-LS codestream ends or breaks before its first scan");
            }

            byte marker = data[i + 1];
            int length = (data[i + 2] << 8) | data[i + 3];
            if (length < 2 || i + 2 + length > data.Length)
            {
                throw new DicomPixelDataException(frame, $"the JPEG-LS marker segment FF{marker:X2} at byte {i} overruns the codestream");
            }

            var segment = data.AsSpan(i + 4, length - 2);
            switch (marker)
            {
                case 0xF7 when segment.Length >= 6:
                    header.Bits = segment[0];
                    header.Height = (segment[1] << 8) | segment[2];
                    header.Width = (segment[3] << 8) | segment[4];
                    header.Components = segment[5];
                    break;
                case 0xF8 when segment.Length >= 11 && segment[0] == 1:
                    header.MaxVal = Word(segment, 1);
                    header.T1 = Word(segment, 3);
                    header.T2 = Word(segment, 5);
                    header.T3 = Word(segment, 7);
                    header.Reset = Word(segment, 9);
                    break;
                case 0xF8:
                    throw Refused(frame, header, $"an LSE segment of type {(segment.Length > 0 ? segment[0] : 0)} (mapping table or oversize image)");
                case 0xDA when segment.Length >= 1 && segment.Length >= 4 + (2 * segment[0]):
                    int count = segment[0];
                    for (int c = 0; c < count; c++)
                    {
                        if (segment[2 + (2 * c)] != 0)
                        {
                            throw Refused(frame, header, "a mapping table selected in the scan header");
                        }
                    }

                    header.Scan = new ScanHeader(segment[1 + (2 * count)], segment[2 + (2 * count)], i + 2 + length);
                    if (header.Components == 0)
                    {
                        throw new DicomPixelDataException(frame, "the JPEG-LS codestream has no SOF55 frame header before its scan");
                    }

                    return header;
                case 0xE8 when segment.Length >= 5 && segment[..4].SequenceEqual("mrfx"u8) && segment[4] != 0:
                    throw Refused(frame, header, $"the HP colour transform {segment[4]}");
                case 0xFE or 0xE0 or 0xE7 or 0xE8:
                    break;
                default:
                    throw Refused(frame, header, $"marker FF{marker:X2} before the scan (dcmdjpls reads none but SOF55, LSE, COM, APP0, APP7, APP8)");
            }

            i += 2 + length;
        }
    }

    private static int Word(ReadOnlySpan<byte> bytes, int at) => (bytes[at] << 8) | bytes[at + 1];

    /// <summary>Where the entropy-coded data starting at <paramref name="start"/> ends: at the next marker (0xFF, then a byte from 0x80).</summary>
    private static int ScanEnd(byte[] data, int start)
    {
        int i = start;
        while (true)
        {
            int next = data.AsSpan(i).IndexOf((byte)0xFF);
            if (next < 0 || i + next + 1 >= data.Length)
            {
                return data.Length;
            }

            i += next;
            if (data[i + 1] >= 0x80)
            {
                return i;
            }

            i += 2;
        }
    }

    /// <summary>The start of the next scan's data: the marker at <paramref name="position"/> must be an SOS.</summary>
    private static int NextScan(byte[] data, int position, int frame, Header header)
    {
        while (position + 1 < data.Length && data[position] == 0xFF && data[position + 1] == 0xFF)
        {
            position++;
        }

        if (position + 1 < data.Length && data[position] == 0xFF && data[position + 1] == 0xF8)
        {
            // dcmcjpls writes its LSE segment again before each scan of a non-interleaved image; dcmdjpls reads it as the
            // next scan's header and fails.
            throw Refused(frame, header, "preset coding parameters between scans, which dcmdjpls cannot read either");
        }

        if (position + 3 >= data.Length || data[position] != 0xFF || data[position + 1] != 0xDA)
        {
            throw Refused(frame, header, $"something other than the next scan's SOS after scan data (at byte {position})");
        }

        int length = (data[position + 2] << 8) | data[position + 3];
        if (length < 2 || position + 2 + length > data.Length)
        {
            throw new DicomPixelDataException(frame, $"the JPEG-LS scan header at byte {position} overruns the codestream");
        }

        return position + 2 + length;
    }

    private static DicomPixelDataException Refused(int frame, Header header, string reason) =>
        new(frame, $"the JPEG-LS preset coding parameters (MAXVAL {header.MaxVal}, T1 {header.T1}, T2 {header.T2}, T3 {header.T3}, RESET {header.Reset}) are outside the ranges of ISO/IEC 14495-1, which CharLS refuses, and the codestream has {reason}, so it is not decoded as DCMTK's dcmdjpls would");

    private readonly record struct ScanHeader(int Near, int Interleave, int DataStart);

    private sealed class Header
    {
        public int Bits { get; set; }

        public int Width { get; set; }

        public int Height { get; set; }

        public int Components { get; set; }

        public int MaxVal { get; set; }

        public int T1 { get; set; }

        public int T2 { get; set; }

        public int T3 { get; set; }

        public int Reset { get; set; }

        public ScanHeader Scan { get; set; }
    }

    /// <summary>The coding parameters as dcmdjpls 3.6.7 derives them (its JlsCodecFactory, DefaultTraitsT and SetPresets).</summary>
    private sealed record Parameters(int Near, int Range, int Qbpp, int Limit, int MaxVal, int Reset, byte RunReset, int T1, int T2, int T3, bool CustomReset)
    {
        public static Parameters Of(Header header, int near)
        {
            int bitsMax = (1 << header.Bits) - 1;
            int range = ((bitsMax + (2 * near)) / ((2 * near) + 1)) + 1;
            int bpp = Log2(bitsMax);
            bool customReset = header.Reset != 0 && header.Reset != BasicReset;
            int maxVal = customReset ? header.MaxVal : bitsMax;
            int reset = customReset ? header.Reset : BasicReset;

            // ISO/IEC 14495-1 C.2.4.1.1.1, the MAXVAL >= 128 formulas only (as CharLS 1.0).
            int factor = (Math.Min(maxVal, 4095) + 128) / 256;
            int t1 = Clamp((factor * (3 - 2)) + 2 + (3 * near), near + 1, maxVal);
            int t2 = Clamp((factor * (7 - 3)) + 3 + (5 * near), t1, maxVal);
            int t3 = Clamp((factor * (21 - 4)) + 4 + (7 * near), t2, maxVal);
            return new Parameters(
                near, range, Log2(range), 2 * (bpp + Math.Max(8, bpp)), maxVal, reset, (byte)reset,
                header.T1 != 0 ? header.T1 : t1, header.T2 != 0 ? header.T2 : t2, header.T3 != 0 ? header.T3 : t3, customReset);
        }

        private static int Clamp(int i, int j, int maxVal) => i > maxVal || i < j ? j : i;

        private static int Log2(int n)
        {
            int x = 0;
            while (n > (1 << x))
            {
                x++;
            }

            return x;
        }
    }

    /// <summary>Reads the entropy-coded data of a scan (0xFF bytes are followed by a stuffed zero bit); past the end, zeros.</summary>
    private sealed class BitReader(byte[] data, int position, int end, int frame)
    {
        private ulong cache;
        private int valid;
        private int padded;

        public int ReadBits(int count)
        {
            if (valid < count)
            {
                Fill();
            }

            int value = (int)(cache >> (64 - count));
            cache <<= count;
            valid -= count;
            return value;
        }

        public bool ReadBit() => ReadBits(1) != 0;

        /// <summary>The count of zero bits before the next one bit (the unary part of a Golomb code), at most <paramref name="limit"/>.</summary>
        public int ReadZeros(int limit)
        {
            int count = 0;
            while (!ReadBit())
            {
                if (++count > limit)
                {
                    throw new DicomPixelDataException(frame, "JPEG-LS decoding failed: a code longer than LIMIT in the scan data");
                }
            }

            return count;
        }

        /// <summary>After the last sample: what is left of the scan data must be zero bits, up to the zero fill dcmdjpls takes.</summary>
        public void EndScan()
        {
            int leftBytes = end - position;
            if (cache != 0 || leftBytes > JpegLsCodec.MaxZeroFill || data.AsSpan(position, leftBytes).ContainsAnyExcept((byte)0))
            {
                throw new DicomPixelDataException(frame, "JPEG-LS decoding failed: the scan holds more data than its samples, or too little");
            }
        }

        private void Fill()
        {
            while (valid <= 56)
            {
                if (position >= end)
                {
                    // Past the scan data: zeros, as in dcmdjpls; a decoder far past the end is reading a broken scan.
                    padded += 8;
                    valid += 8;
                    if (padded > 64)
                    {
                        throw new DicomPixelDataException(frame, "JPEG-LS decoding failed: the scan data ends before its samples");
                    }

                    continue;
                }

                byte value = data[position++];
                cache |= (ulong)value << (56 - valid);
                valid += value == 0xFF ? 7 : 8;
            }
        }
    }

    /// <summary>The regular and run mode contexts and line buffers of one scan (ISO/IEC 14495-1 Annex A, as in dcmdjpls).</summary>
    private sealed class ScanDecoder
    {
        private readonly Parameters p;
        private readonly BitReader reader;
        private readonly int width;
        private readonly int frame;
        private readonly int[] a = new int[365];
        private readonly int[] b = new int[365];
        private readonly int[] c = new int[365];
        private readonly short[] n = new short[365];
        private readonly RunContext[] run;
        private int runIndex;

        public ScanDecoder(Parameters parameters, BitReader reader, int width, int frame)
        {
            p = parameters;
            this.reader = reader;
            this.width = width;
            this.frame = frame;
            int initial = Math.Max(2, (p.Range + 32) / 64);
            Array.Fill(a, initial);
            Array.Fill(n, (short)1);
            run = [new RunContext(initial, 0, p.RunReset), new RunContext(initial, 1, p.RunReset)];
        }

        /// <summary>
        /// One component (no interleave: <paramref name="scanIndex"/> is the component) or line-interleaved components:
        /// lines of width + 2 samples, index 0 the sample before the line, as dcmdjpls keeps them.
        /// </summary>
        public void DecodeLines(byte[] output, int height, int components, int totalComponents, int scanIndex, bool planar, int sampleBytes)
        {
            var previous = new int[components][];
            var current = new int[components][];
            var runIndexes = new int[components];
            for (int k = 0; k < components; k++)
            {
                previous[k] = new int[width + 2];
                current[k] = new int[width + 2];
            }

            for (int line = 0; line < height; line++)
            {
                for (int k = 0; k < components; k++)
                {
                    (previous[k], current[k]) = (current[k], previous[k]);
                    var prev = previous[k];
                    var cur = current[k];
                    runIndex = runIndexes[k];
                    prev[width + 1] = prev[width];
                    cur[0] = prev[1];
                    DecodeLine(prev, cur);
                    runIndexes[k] = runIndex;

                    int component = components == 1 ? scanIndex : k;
                    for (int x = 0; x < width; x++)
                    {
                        int sample = planar
                            ? (((component * height) + line) * width) + x
                            : (((line * width) + x) * totalComponents) + component;
                        Store(output, sample, sampleBytes, cur[x + 1]);
                    }
                }
            }
        }

        /// <summary>Three components sample-interleaved: a pixel of three samples at a time, one run for all three.</summary>
        public void DecodeSampleInterleaved(byte[] output, int height, int sampleBytes)
        {
            var previous = new int[3 * (width + 2)];
            var current = new int[3 * (width + 2)];
            Span<int> q = stackalloc int[3];
            for (int line = 0; line < height; line++)
            {
                (previous, current) = (current, previous);
                for (int k = 0; k < 3; k++)
                {
                    previous[(3 * (width + 1)) + k] = previous[(3 * width) + k];
                    current[k] = previous[3 + k];
                }

                int x = 0;
                while (x < width)
                {
                    int at = 3 * (x + 1);
                    for (int k = 0; k < 3; k++)
                    {
                        q[k] = Context(current[at - 3 + k], previous[at + k], previous[at - 3 + k], previous[at + 3 + k]);
                    }

                    if (q[0] == 0 && q[1] == 0 && q[2] == 0)
                    {
                        x += RunTriplets(previous, current, x);
                    }
                    else
                    {
                        for (int k = 0; k < 3; k++)
                        {
                            current[at + k] = Regular(q[k], Predict(current[at - 3 + k], previous[at + k], previous[at - 3 + k]));
                        }

                        x++;
                    }
                }

                for (int i = 0; i < 3 * width; i++)
                {
                    Store(output, (line * width * 3) + i, sampleBytes, current[3 + i]);
                }
            }
        }

        private static void Store(byte[] output, int sample, int sampleBytes, int value)
        {
            if (sampleBytes == 1)
            {
                output[sample] = (byte)value;
            }
            else
            {
                output[2 * sample] = (byte)value;
                output[(2 * sample) + 1] = (byte)(value >> 8);
            }
        }

        private void DecodeLine(int[] prev, int[] cur)
        {
            // Logical index x is array index x + 1.
            int x = 0;
            int rb = prev[0];
            int rd = prev[1];
            while (x < width)
            {
                int ra = cur[x];
                int rc = rb;
                rb = rd;
                rd = prev[x + 2];
                int q = Context(ra, rb, rc, rd);
                if (q != 0)
                {
                    cur[x + 1] = Regular(q, Predict(ra, rb, rc));
                    x++;
                }
                else
                {
                    x += RunScalar(prev, cur, x);
                    rb = prev[x];
                    rd = prev[x + 1];
                }
            }
        }

        private int Context(int ra, int rb, int rc, int rd) => (((Quantize(rd - rb) * 9) + Quantize(rb - rc)) * 9) + Quantize(rc - ra);

        private int Quantize(int d)
        {
            if (d <= -p.T3)
            {
                return -4;
            }

            if (d <= -p.T2)
            {
                return -3;
            }

            if (d <= -p.T1)
            {
                return -2;
            }

            if (d < -p.Near)
            {
                return -1;
            }

            if (d <= p.Near)
            {
                return 0;
            }

            return d < p.T1 ? 1 : d < p.T2 ? 2 : d < p.T3 ? 3 : 4;
        }

        private static int Predict(int ra, int rb, int rc)
        {
            int sign = (rb - ra) >> 31;
            if ((sign ^ (rc - ra)) < 0)
            {
                return rb;
            }

            return (sign ^ (rb - rc)) < 0 ? ra : ra + rb - rc;
        }

        private int Regular(int qs, int predicted)
        {
            int sign = qs >> 31;
            int q = (sign ^ qs) - sign;
            int k = 0;
            while ((n[q] << k) < a[q])
            {
                if (++k > 30)
                {
                    throw Broken();
                }
            }

            int px = Correct(predicted + ((sign ^ c[q]) - sign));
            int mapped = DecodeValue(k, p.Limit, p.Qbpp);
            int error = ((mapped << 31) >> 31) ^ (mapped >> 1);
            if (Math.Abs(error) > 65535)
            {
                throw Broken();
            }

            if (p.Near == 0 && k == 0)
            {
                error ^= ((2 * b[q]) + n[q] - 1) >> 31;
            }

            Update(q, error);
            return Reconstruct(px, (sign ^ error) - sign);
        }

        private void Update(int q, int error)
        {
            int bq = b[q] + (error * ((2 * p.Near) + 1));
            int aq = a[q] + Math.Abs(error);
            int nq = n[q];
            if (nq == p.Reset)
            {
                aq >>= 1;
                bq >>= 1;
                nq >>= 1;
            }

            nq++;
            if (bq + nq <= 0)
            {
                bq += nq;
                if (bq <= -nq)
                {
                    bq = -nq + 1;
                }

                c[q] = Math.Max(-128, c[q] - 1);
            }
            else if (bq > 0)
            {
                bq -= nq;
                if (bq > 0)
                {
                    bq = 0;
                }

                c[q] = Math.Min(127, c[q] + 1);
            }

            a[q] = aq;
            b[q] = bq;
            n[q] = (short)nq;
        }

        private int DecodeValue(int k, int limit, int qbpp)
        {
            int high = reader.ReadZeros(limit);
            if (high >= limit - (qbpp + 1))
            {
                return reader.ReadBits(qbpp) + 1;
            }

            return k == 0 ? high : (high << k) + reader.ReadBits(k);
        }

        private int Correct(int value) => (value & p.MaxVal) == value ? value : ~(value >> 31) & p.MaxVal;

        private int Reconstruct(int px, int error)
        {
            int step = (2 * p.Near) + 1;
            int value = px + (error * step);
            if (value < -p.Near)
            {
                value += p.Range * step;
            }
            else if (value > p.MaxVal + p.Near)
            {
                value -= p.Range * step;
            }

            return Correct(value);
        }

        /// <summary>The run length at logical index <paramref name="x"/> (ISO/IEC 14495-1 A.7.1.2), or -1 past the line: how many samples it covers.</summary>
        private int RunLength(int x)
        {
            int left = width - x;
            int index = 0;
            while (reader.ReadBit())
            {
                int count = Math.Min(1 << J[runIndex], left - index);
                index += count;
                if (count == 1 << J[runIndex])
                {
                    runIndex = Math.Min(31, runIndex + 1);
                }

                if (index == left)
                {
                    break;
                }
            }

            if (index != left && J[runIndex] > 0)
            {
                index += reader.ReadBits(J[runIndex]);
            }

            if (index > left)
            {
                throw Broken();
            }

            return index;
        }

        private int RunScalar(int[] prev, int[] cur, int x)
        {
            int ra = cur[x];
            int length = RunLength(x);
            for (int i = 0; i < length; i++)
            {
                cur[x + 1 + i] = ra;
            }

            int end = x + length;
            if (end == width)
            {
                return length;
            }

            int rb = prev[end + 1];
            cur[end + 1] = Math.Abs(ra - rb) <= p.Near
                ? Reconstruct(ra, Interruption(run[1]))
                : Reconstruct(rb, Interruption(run[0]) * Sign(rb - ra));
            runIndex = Math.Max(0, runIndex - 1);
            return length + 1;
        }

        private int RunTriplets(int[] previous, int[] current, int x)
        {
            int at = 3 * (x + 1);
            int length = RunLength(x);
            for (int i = 0; i < length; i++)
            {
                for (int k = 0; k < 3; k++)
                {
                    current[at + (3 * i) + k] = current[at - 3 + k];
                }
            }

            int end = x + length;
            if (end == width)
            {
                return length;
            }

            int e = 3 * (end + 1);
            Span<int> errors = stackalloc int[3];
            for (int k = 0; k < 3; k++)
            {
                errors[k] = Interruption(run[0]);
            }

            for (int k = 0; k < 3; k++)
            {
                int rb = previous[e + k];
                current[e + k] = Reconstruct(rb, errors[k] * Sign(rb - current[at - 3 + k]));
            }

            runIndex = Math.Max(0, runIndex - 1);
            return length + 1;
        }

        private static int Sign(int value) => (value >> 31) | 1;

        private int Interruption(RunContext context)
        {
            int k = 0;
            int test = context.N;
            int temp = context.A + ((context.N >> 1) * context.Type);
            while (test < temp)
            {
                test <<= 1;
                if (++k > 30)
                {
                    throw Broken();
                }
            }

            int mapped = DecodeValue(k, p.Limit - J[runIndex] - 1, p.Qbpp);
            int value = mapped + context.Type;
            int map = value & 1;
            int magnitude = (value + map) / 2;
            int error = ((k != 0 || 2 * context.Nn >= context.N) == (map != 0)) ? -magnitude : magnitude;
            unchecked
            {
                if (error < 0)
                {
                    context.Nn++;
                }

                context.A += (mapped + 1 - context.Type) >> 1;
                if (context.N == context.Reset)
                {
                    context.A >>= 1;
                    context.N >>= 1;
                    context.Nn >>= 1;
                }

                context.N++;
            }

            return error;
        }

        private DicomPixelDataException Broken() => new(frame, "JPEG-LS decoding failed: invalid scan data");
    }

    /// <summary>A run-interruption context; N, Nn and RESET are bytes, as in dcmdjpls.</summary>
    private sealed class RunContext(int a, int type, byte reset)
    {
        public int A { get; set; } = a;

        public byte N { get; set; } = 1;

        public byte Nn { get; set; }

        public int Type { get; } = type;

        public byte Reset { get; } = reset;
    }
}
