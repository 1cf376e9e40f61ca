using System.CommandLine;
using System.Globalization;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Cli;

/// <summary>
/// <c>plao decode FILE [--frame N] --out F.raw</c>: the native Pixel Data bytes after decompression (stored sample
/// values, little-endian, in the layout the decoder reports), as DCMTK's dcmdrle/dcmdjpeg/dcmdjpls leave them in Pixel
/// Data: one frame with <c>--frame</c>, else every frame back to back (the value without its trailing pad byte).
/// <para>
/// A frame that cannot be decoded (a truncated or damaged codestream, a frame header that disagrees with Rows and
/// Columns, a frame that cannot be located in the fragments) is exit code 3 with a message naming the frame (numbered
/// from 1) and the cause; without <c>--frame</c> every frame is tried and the message names all that failed. Nothing is
/// written then, not even the frames that decoded: the output is every frame or none. DCMTK fails the same files where
/// libjpeg stops (a codestream cut short, a frame larger than Rows × Columns); where libjpeg only warns ("Corrupt JPEG
/// data") and dcmdjpeg writes whatever it decoded (garbage after the damage, zero rows below a short frame header), we
/// refuse the frame rather than write pixels known to be wrong; the other frames, alone with <c>--frame</c>, equal
/// DCMTK's byte for byte. Fragments and offset tables DCMTK reads past (an offset table that disagrees with one
/// fragment per frame) are read past here too, with the same output; and where the pixel data ends before Number of
/// Frames (each fragment one codestream, the last frames absent), the frames present are written, as dcmdjpeg writes
/// them (lowering Number of Frames), and the missing ones are named on stdout. Other failures are exit code 2.
/// </para>
/// </summary>
internal static class DecodeCommand
{
    /// <summary>Exit code of a frame that cannot be decoded.</summary>
    public const int FrameFailed = 3;

    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "DICOM file (Part 10 or a bare dataset)" };
        var frame = new Option<int?>("--frame") { Description = "Frame number, 1-based as in DICOM and dcmj2pnm +F (default: all frames)" };
        var output = new Option<FileInfo>("--out") { Description = "Raw output file", Required = true };
        var command = new Command(
            "decode",
            "Write the decompressed pixel data of a DICOM file as raw little-endian samples. A frame that cannot be decoded exits with code 3, " +
            "naming the frame (from 1) and why; without --frame every frame is tried, all that fail are named, and nothing is written.")
        {
            file, frame, output,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            return CliErrors.Guard("decode", path, () =>
            {
                try
                {
                    return Decode(path, parse.GetValue(frame), parse.GetValue(output)!);
                }
                catch (DicomPixelDataException e) when (e.Frame is not null)
                {
                    CliErrors.Fail("decode", path, e.Message);
                    return FrameFailed;
                }
            });
        });
        return command;
    }

    private static int Decode(FileInfo path, int? frame, FileInfo target)
    {
        var dicom = DicomFile.Open(path.FullName);
        var codecs = CliCodecs.Create();
        var pixels = DicomPixelData.Create(dicom);
        var info = pixels.Info;
        byte[] bytes;
        int present = info.NumberOfFrames;
        string photometric;
        int planar;
        if (frame is { } number)
        {
            if (number < 1 || number > info.NumberOfFrames)
            {
                throw new DicomPixelDataException(null, $"frame {number} does not exist: the file has {info.NumberOfFrames} (1..{info.NumberOfFrames})");
            }

            var decoded = pixels.DecodeFrame(number - 1, codecs);
            var layout = info with { PhotometricInterpretation = decoded.PhotometricInterpretation, PlanarConfiguration = decoded.PlanarConfiguration };
            long size = layout.IsNativeSubsampled && decoded.Bytes.Length < layout.FrameBytes ? layout.NativeFrameBytes : layout.FrameBytes;
            bytes = decoded.Bytes.AsSpan(0, (int)size).ToArray();
            photometric = decoded.PhotometricInterpretation;
            planar = decoded.PlanarConfiguration;
        }
        else
        {
            // ToNative tries every frame and names each one that fails; nothing is written then. Frames missing at the
            // end are left out, as dcmdjpeg leaves them out (it lowers Number of Frames to the frames present).
            var source = dicom.Dataset;
            present = pixels.PresentFrameCount;
            if (present < info.NumberOfFrames)
            {
                source = source.Clone();
                source.AddString(DicomTags.NumberOfFrames, DicomVR.IS, present.ToString(CultureInfo.InvariantCulture));
            }

            var native = pixels.IsEncapsulated ? DicomTranscoder.ToNative(source, dicom.TransferSyntax, codecs) : source;
            var nativeInfo = DicomImageInfo.FromDataset(native);
            var value = (DicomValueElement)native[nativeInfo.PixelDataTag];
            long total = Math.Min(nativeInfo.TotalNativeBytes, value.Length);
            if (total < nativeInfo.TotalNativeBytes)
            {
                throw new DicomPixelDataException(null, $"native pixel data holds {value.Length} bytes; {nativeInfo.TotalNativeBytes} are declared");
            }

            bytes = new byte[total];
            value.Buffer.Read(0, bytes);
            photometric = nativeInfo.PhotometricInterpretation;
            planar = nativeInfo.PlanarConfiguration;
        }

        // Written beside the target and renamed: a failed write leaves no partial output file.
        string partial = target.FullName + ".part";
        try
        {
            File.WriteAllBytes(partial, bytes);
            File.Move(partial, target.FullName, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }

        string missing = present < info.NumberOfFrames
            ? string.Create(CultureInfo.InvariantCulture, $"; the file holds {present} of the {info.NumberOfFrames} frames it declares (frames {present + 1}-{info.NumberOfFrames} are missing)")
            : string.Empty;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Name}: {bytes.Length} bytes, {info.Rows}x{info.Columns}, {info.SamplesPerPixel} samples, {info.BitsAllocated} bits allocated ({info.BitsStored} stored, high bit {info.HighBit}, {(info.IsSigned ? "signed" : "unsigned")}), {photometric}, planar {planar}{missing}"));
        return 0;
    }
}
