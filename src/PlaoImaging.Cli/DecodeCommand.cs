using System.CommandLine;
using System.Globalization;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Imaging;

namespace PlaoImaging.Cli;

/// <summary>
/// <c>plao decode FILE [--frame N] --out F.raw</c>: the native Pixel Data bytes after decompression (stored sample
/// values, little-endian, in the layout the decoder reports), as DCMTK's dcmdrle/dcmdjpeg/dcmdjpls leave them in Pixel
/// Data: one frame with <c>--frame</c>, else every frame back to back (the value without its trailing pad byte).
/// </summary>
internal static class DecodeCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "DICOM file (Part 10 or a bare dataset)" };
        var frame = new Option<int?>("--frame") { Description = "Frame number, 1-based as in DICOM and dcmj2pnm +F (default: all frames)" };
        var output = new Option<FileInfo>("--out") { Description = "Raw output file", Required = true };
        var command = new Command("decode", "Write the decompressed pixel data of a DICOM file as raw little-endian samples.") { file, frame, output };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            return CliErrors.Guard("decode", path, () =>
            {
                var dicom = DicomFile.Open(path.FullName);
                var codecs = CliCodecs.Create();
                var pixels = DicomPixelData.Create(dicom);
                var info = pixels.Info;
                byte[] bytes;
                string photometric;
                int planar;
                if (parse.GetValue(frame) is { } number)
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
                    var native = pixels.IsEncapsulated ? DicomTranscoder.ToNative(dicom.Dataset, dicom.TransferSyntax, codecs) : dicom.Dataset;
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

                var target = parse.GetValue(output)!;
                File.WriteAllBytes(target.FullName, bytes);
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{target.Name}: {bytes.Length} bytes, {info.Rows}x{info.Columns}, {info.SamplesPerPixel} samples, {info.BitsAllocated} bits allocated ({info.BitsStored} stored, high bit {info.HighBit}, {(info.IsSigned ? "signed" : "unsigned")}), {photometric}, planar {planar}"));
                return 0;
            });
        });
        return command;
    }
}
