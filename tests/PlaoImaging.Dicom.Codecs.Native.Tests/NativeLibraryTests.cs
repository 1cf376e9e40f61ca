using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PlaoImaging.Dicom.Imaging;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Codecs.Native.Tests;

/// <summary>
/// The libraries themselves: a missing library gives an error that names the Debian package (simulated by loaders that
/// look for library names that do not exist), the declared structures match OpenJPEG 2.5 and CharLS 2 on this platform,
/// and the registration adds every transfer syntax.
/// </summary>
public sealed class NativeLibraryTests
{
    private static readonly DicomImageInfo Info = new()
    {
        Rows = 8, Columns = 8, SamplesPerPixel = 1, BitsAllocated = 8, BitsStored = 8, HighBit = 7,
        IsSigned = false, PlanarConfiguration = 0, PhotometricInterpretation = "MONOCHROME2", NumberOfFrames = 4,
    };

    [Fact]
    [Trait("Category", "unit")]
    public void MissingCharLsNamesThePackage()
    {
        var missing = new NativeLibraryLoader("CharLS", NativeLibraries.CharLsImport, "libcharls2", ["libcharls-plao-test-missing.so.2"]);
        var codec = new JpegLsCodec(DicomTransferSyntax.JpegLSLossless, 0, missing);
        var e = Assert.Throws<NativeCodecUnavailableException>(() => codec.Decode(new byte[64], Info, 3));
        Assert.StartsWith("Frame 4: JPEG-LS decoding needs CharLS (libcharls-plao-test-missing.so.2): install the Debian package libcharls2", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, e.Frame);
        Assert.Equal("CharLS", e.Library);
        Assert.Equal("libcharls2", e.Package);
        Assert.IsAssignableFrom<DicomPixelDataException>(e);

        var encode = Assert.Throws<NativeCodecUnavailableException>(() => codec.Encode(new byte[64], Info, 0));
        Assert.Contains("JPEG-LS encoding needs CharLS", encode.Message, StringComparison.Ordinal);
        Assert.False(missing.IsAvailable);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void MissingOpenJpegNamesThePackage()
    {
        var missing = new NativeLibraryLoader("OpenJPEG", NativeLibraries.OpenJpegImport, "libopenjp2-7", ["libopenjp2-plao-test-missing.so.7"]);
        foreach (var (syntax, what) in new[] { (DicomTransferSyntax.Jpeg2000Lossless, "JPEG 2000"), (DicomTransferSyntax.Jpeg2000, "JPEG 2000"), (DicomTransferSyntax.HtJpeg2000, "HTJ2K") })
        {
            var codec = new Jpeg2000Codec(syntax, 10, missing);
            var e = Assert.Throws<NativeCodecUnavailableException>(() => codec.Decode(new byte[64], Info, 1));
            Assert.StartsWith($"Frame 2: {what} decoding needs OpenJPEG (libopenjp2-plao-test-missing.so.7): install the Debian package libopenjp2-7", e.Message, StringComparison.Ordinal);
            Assert.Equal("libopenjp2-7", e.Package);
        }
    }

    [Fact]
    [Trait("Category", "peer")]
    public void MissingLibraryPropagatesThroughThePixelData()
    {
        var missing = new NativeLibraryLoader("CharLS", NativeLibraries.CharLsImport, "libcharls2", ["libcharls-plao-test-missing.so.2"]);
        var registry = DicomCodecRegistry.CreateDefault().AddNativeCodecs().Register(new JpegLsCodec(DicomTransferSyntax.JpegLSLossless, 0, missing));
        var path = Path.Combine(Peers.RequireCorpus(), "dcm_qa_ts", "In", "7.dcm");
        var pixels = DicomPixelData.Create(DicomFile.Open(path));
        var e = Assert.Throws<NativeCodecUnavailableException>(() => pixels.DecodeFrame(0, registry));
        Assert.Contains("install the Debian package libcharls2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void TheSystemLibrariesLoad()
    {
        // ./build.sh installs libcharls2 and libopenjp2-7; where they are absent this fails in CI and skips elsewhere.
        if (!NativeCodecs.IsCharLsAvailable)
        {
            Peers.Require("libcharls.so.2 (Debian package libcharls2)");
        }

        if (!NativeCodecs.IsOpenJpegAvailable)
        {
            Peers.Require("libopenjp2.so.7 (Debian package libopenjp2-7)");
        }

        var codec = new Jpeg2000Codec(DicomTransferSyntax.HtJpeg2000Lossless);
        Assert.True(codec.SupportsHighThroughput(out var version), $"OpenJPEG {version} does not decode HTJ2K");
        Assert.StartsWith("2.", version, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void DeclaredStructuresMatchTheCHeaders()
    {
        // Sizes from openjpeg-2.5/openjpeg.h and charls/public_types.h on 64-bit platforms (sizeof in C).
        Assert.Equal(8, IntPtr.Size);
        Assert.Equal(64, Unsafe.SizeOf<OpenJpegInterop.ImageComponent>());
        Assert.Equal(48, Unsafe.SizeOf<OpenJpegInterop.Image>());
        Assert.Equal(36, Unsafe.SizeOf<OpenJpegInterop.ComponentParameters>());
        Assert.Equal(16, Unsafe.SizeOf<CharLsInterop.FrameInfo>());
        Assert.Equal(24, (int)Marshal.OffsetOf<OpenJpegInterop.ImageComponent>(nameof(OpenJpegInterop.ImageComponent.Precision)));
        Assert.Equal(48, (int)Marshal.OffsetOf<OpenJpegInterop.ImageComponent>(nameof(OpenJpegInterop.ImageComponent.Data)));
        Assert.Equal(56, (int)Marshal.OffsetOf<OpenJpegInterop.ImageComponent>(nameof(OpenJpegInterop.ImageComponent.Alpha)));
        Assert.Equal(20, (int)Marshal.OffsetOf<OpenJpegInterop.Image>(nameof(OpenJpegInterop.Image.ColorSpace)));
        Assert.Equal(24, (int)Marshal.OffsetOf<OpenJpegInterop.Image>(nameof(OpenJpegInterop.Image.Components)));
        Assert.Equal(40, (int)Marshal.OffsetOf<OpenJpegInterop.Image>(nameof(OpenJpegInterop.Image.IccProfileLength)));
        Assert.True(OpenJpegInterop.ParametersBlockBytes > 18720 + 1024, "the parameter block must exceed sizeof(opj_cparameters_t) of 2.5.0");
    }

    [Fact]
    [Trait("Category", "unit")]
    public void AddNativeCodecs_Default_RefusesHtj2kWithReason()
    {
        var codec = new DicomCodecRegistry().AddNativeCodecs().Get(DicomTransferSyntax.HtJpeg2000Lossless);
        var info = new PlaoImaging.Dicom.Imaging.DicomImageInfo
        {
            Rows = 2, Columns = 2, SamplesPerPixel = 1, BitsAllocated = 8, BitsStored = 8, HighBit = 7, IsSigned = false,
            PlanarConfiguration = 0, PhotometricInterpretation = "MONOCHROME2", NumberOfFrames = 1,
        };
        var e = Assert.Throws<DicomPixelDataException>(() => codec.Decode(new byte[16], info, 0));
        Assert.Contains("openjpeg#1500", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, e.Frame);
    }

    [Fact]
    [Trait("Category", "unit")]
    public void RegistrationAddsEveryTransferSyntax()
    {
        var registry = new DicomCodecRegistry().AddNativeCodecs();
        foreach (var syntax in new[]
        {
            DicomTransferSyntax.JpegLSLossless, DicomTransferSyntax.JpegLSNearLossless, DicomTransferSyntax.Jpeg2000Lossless,
            DicomTransferSyntax.Jpeg2000, DicomTransferSyntax.HtJpeg2000Lossless, DicomTransferSyntax.HtJpeg2000RpclLossless,
            DicomTransferSyntax.HtJpeg2000,
        })
        {
            Assert.True(registry.TryGet(syntax, out var codec), syntax.Name);
            Assert.Equal(syntax.Uid, codec.TransferSyntax.Uid);
        }

        Assert.False(registry.Get(DicomTransferSyntax.HtJpeg2000).CanEncode);
        Assert.True(registry.Get(DicomTransferSyntax.Jpeg2000Lossless).CanEncode);
        Assert.True(registry.Get(DicomTransferSyntax.JpegLSNearLossless).CanEncode);
        Assert.Throws<NotSupportedException>(() => registry.Get(DicomTransferSyntax.HtJpeg2000).Encode(new byte[64], Info, 0));
        Assert.Throws<ArgumentException>(() => new JpegLsCodec(DicomTransferSyntax.Jpeg2000));
        Assert.Throws<ArgumentException>(() => new Jpeg2000Codec(DicomTransferSyntax.JpegLSLossless));
    }
}
