using System.Text;
using Xunit;

namespace PlaoImaging.Dicom.Tests.Text;

/// <summary>
/// Specific Character Set decoding and encoding. Byte literals come from PS3.5 Annexes H (Japanese), I (Korean),
/// J and K (Chinese) and from the dclunie charset example files (pydicom's charset_files/FileInfo.txt);
/// single-byte samples were checked against DCMTK 3.6.7 (dcmdump +U8).
/// </summary>
[Trait("Category", "unit")]
public class DicomTextEncodingTests
{
    private static DicomTextEncoding Cs(params string[] terms) => DicomTextEncoding.FromSpecificCharacterSet(terms);

    /// <summary>Bytes from a string whose characters are all U+0000..U+00FF, one byte each ("\e" is ESC).</summary>
    private static byte[] B(string oneCharPerByte) => Encoding.Latin1.GetBytes(oneCharPerByte);

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    // ---- PS3.5 Annex H: Japanese ------------------------------------------------------------------------------------

    private static readonly byte[] H31Bytes =
        B("Yamada^Tarou=\e$B;3ED\e(B^\e$BB@O:\e(B=\e$B$d$^$@\e(B^\e$B$?$m$&\e(B");

    private const string H31Text = "Yamada^Tarou=山田^太郎=やまだ^たろう";

    private static readonly byte[] H32Bytes =
        B("\u00D4\u00CF\u00C0\u00DE^\u00C0\u00DB\u00B3=\e$B;3ED\e(J^\e$BB@O:\e(J=\e$B$d$^$@\e(J^\e$B$?$m$&\e(J");

    private const string H32Text = "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう";

    [Fact]
    public void Decode_AnnexH31JapaneseIr87_ReturnsAllThreeComponentGroups()
    {
        Assert.Equal(H31Text, Cs("", "ISO 2022 IR 87").Decode(H31Bytes, DicomVR.PN));
    }

    [Fact]
    public void Encode_AnnexH31JapaneseIr87_ReproducesStandardBytes()
    {
        Assert.Equal(H31Bytes, Cs("", "ISO 2022 IR 87").Encode(H31Text, DicomVR.PN));
    }

    [Fact]
    public void Decode_AnnexH32JapaneseIr13AndIr87_ReturnsKatakanaAndKanji()
    {
        Assert.Equal(H32Text, Cs("ISO 2022 IR 13", "ISO 2022 IR 87").Decode(H32Bytes, DicomVR.PN));
    }

    [Fact]
    public void Encode_AnnexH32JapaneseIr13AndIr87_ReproducesStandardBytes()
    {
        Assert.Equal(H32Bytes, Cs("ISO 2022 IR 13", "ISO 2022 IR 87").Encode(H32Text, DicomVR.PN));
    }

    [Fact]
    public void Decode_ExplicitIr6AsValue1_SameAsEmptyValue1()
    {
        Assert.Equal(H31Text, Cs("ISO 2022 IR 6", "ISO 2022 IR 87").Decode(H31Bytes, DicomVR.PN));
    }

    [Fact]
    public void Decode_JisX0212Ir159_ReturnsSupplementaryKanji()
    {
        // JIS X 0212 0x3021 = U+4E02, 0x6D63 = U+9FA5, 0x2B21 = a with acute.
        var bytes = B("\e$(D0!mc+!\e(B^X");
        Assert.Equal("丂龥á^X", Cs("", "ISO 2022 IR 159").Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Encode_Ir87AndIr159_UsesJisX0212OnlyForCharactersMissingFromJisX0208()
    {
        var encoding = Cs("", "ISO 2022 IR 87", "ISO 2022 IR 159");
        var bytes = encoding.Encode("山丂", DicomVR.LO);
        Assert.Equal(B("\e$B;3\e$(D0!\e(B"), bytes);
        Assert.Equal("山丂", encoding.Decode(bytes, DicomVR.LO));
    }

    // ---- PS3.5 Annex I: Korean --------------------------------------------------------------------------------------

    private static readonly byte[] I2Bytes = B(
        "Hong^Gildong=\e$)C\u00FB\u00F3^\e$)C\u00D1\u00CE\u00D4\u00D7=\e$)C\u00C8\u00AB^\e$)C\u00B1\u00E6\u00B5\u00BF");

    private const string I2Text = "Hong^Gildong=洪^吉洞=홍^길동";

    [Fact]
    public void Decode_AnnexI2KoreanPersonName_ReturnsHanjaAndHangul()
    {
        Assert.Equal(I2Text, Cs("", "ISO 2022 IR 149").Decode(I2Bytes, DicomVR.PN));
    }

    [Fact]
    public void Encode_AnnexI2KoreanPersonName_ReproducesStandardBytes()
    {
        Assert.Equal(I2Bytes, Cs("", "ISO 2022 IR 149").Encode(I2Text, DicomVR.PN));
    }

    [Fact]
    public void Decode_AnnexI3KoreanLongText_DesignationLastsUntilEndOfLine()
    {
        var bytes = B("\e$)CThe first line includes \u00C7\u00D1\u00B1\u00DB.\r\n"
                      + "\e$)CThe second line includes \u00C7\u00D1\u00B1\u00DB, too.\r\nThe third line");
        Assert.Equal(
            "The first line includes 한글.\r\nThe second line includes 한글, too.\r\nThe third line",
            Cs("", "ISO 2022 IR 149").Decode(bytes, DicomVR.LT));
    }

    // ---- PS3.5 Annexes J and K: Chinese -----------------------------------------------------------------------------

    [Fact]
    public void Decode_AnnexJ2Utf8PersonName_ReturnsTraditionalScript()
    {
        var bytes = Hex("57616E675E5869616F446F6E673D E78E8B 5E E5B08F E69DB1 3D");
        Assert.Equal("Wang^XiaoDong=王^小東=", Cs("ISO_IR 192").Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Decode_AnnexJ3Gb18030PersonName_ReturnsSimplifiedScript()
    {
        var bytes = Hex("57 61 6e 67 5e 58 69 61 6f 44 6f 6e 67 3d cd f5 5e d0 a1 b6 ab 3d");
        Assert.Equal("Wang^XiaoDong=王^小东=", Cs("GB18030").Decode(bytes, DicomVR.PN));
        Assert.Equal(bytes, Cs("GB18030").Encode("Wang^XiaoDong=王^小东=", DicomVR.PN));
    }

    [Fact]
    public void Decode_AnnexJ4Gb18030LongText_ReturnsAllLines()
    {
        var bytes = B("The first line includes\u00D6\u00D0\u00CE\u00C4.\r\nThe second line includes\u00D6\u00D0\u00CE\u00C4, too.\r\nThe third line.\r\n");
        Assert.Equal(
            "The first line includes中文.\r\nThe second line includes中文, too.\r\nThe third line.\r\n",
            Cs("GB18030").Decode(bytes, DicomVR.LT));
    }

    [Fact]
    public void Decode_Gbk_ReturnsSameAsGb18030ForTwoByteCodes()
    {
        var bytes = Hex("cd f5 5e d0 a1 b6 ab");
        Assert.Equal("王^小东", Cs("GBK").Decode(bytes, DicomVR.PN));
        Assert.Equal(bytes, Cs("GBK").Encode("王^小东", DicomVR.PN));
    }

    private static readonly byte[] K2Bytes =
        Hex("5A 68 61 6E 67 5E 58 69 61 6F 44 6F 6E 67 3D 1B 24 29 41 D5 C5 5E 1B 24 29 41 D0 A1 B6 AB 3D 20");

    [Fact]
    public void Decode_AnnexK2Ir58PersonName_KeepsPaddingAndDecodesGb2312()
    {
        Assert.Equal("Zhang^XiaoDong=张^小东= ", Cs("", "ISO 2022 IR 58").Decode(K2Bytes, DicomVR.PN));
    }

    [Fact]
    public void Encode_AnnexK2Ir58PersonName_ReproducesStandardBytesWithoutPadding()
    {
        Assert.Equal(K2Bytes[..^1], Cs("", "ISO 2022 IR 58").Encode("Zhang^XiaoDong=张^小东=", DicomVR.PN));
    }

    [Fact]
    public void Decode_AnnexK3Ir58LongText_ReturnsAllLines()
    {
        var bytes = Hex("31 2e 1B 24 29 41 B5 DA D2 BB D0 D0 CE C4 D7 D6 A1 A3 1B 28 42 0D 0A"
                        + "32 2e 1B 24 29 41 B5 DA B6 FE D0 D0 CE C4 D7 D6 A1 A3 1B 28 42 0D 0A"
                        + "33 2e 1B 24 29 41 B5 DA C8 FD D0 D0 CE C4 D7 D6 A1 A3 1B 28 42 0D 0A 20");
        Assert.Equal(
            "1.第一行文字。\r\n2.第二行文字。\r\n3.第三行文字。\r\n ",
            Cs("", "ISO 2022 IR 58").Decode(bytes, DicomVR.LT));
    }

    // ---- single-byte sets (dclunie files and DCMTK-checked samples) -------------------------------------------------

    public static TheoryData<string, string, string> SingleByteSamples => new()
    {
        // term, bytes (one char per byte), expected text
        { "ISO_IR 100", "Buc^J\u00E9r\u00F4me", "Buc^Jérôme" },
        { "ISO_IR 100", "\u00C4neas^R\u00FCdiger", "Äneas^Rüdiger" },
        { "ISO_IR 101", "\u00B1\u00E8", "ąč" },
        { "ISO_IR 109", "\u00A1\u00A6", "ĦĤ" },
        { "ISO_IR 110", "\u00A1\u00A2", "Ąĸ" },
        { "ISO_IR 144", "\u00BB\u00EE\u00DAce\u00DC\u00D1yp\u00D3", "Люкceмбypг" },
        { "ISO_IR 127", "\u00E2\u00C8\u00C7\u00E6\u00EA^\u00E4\u00E6\u00D2\u00C7\u00D1", "قباني^لنزار" },
        { "ISO_IR 126", "\u00C4\u00E9\u00EF\u00ED\u00F5\u00F3\u00E9\u00EF\u00F2", "Διονυσιος" },
        { "ISO_IR 138", "\u00F9\u00F8\u00E5\u00EF^\u00E3\u00E1\u00E5\u00F8\u00E4", "שרון^דבורה" },
        { "ISO_IR 148", "\u00D0\u00DD\u00DE\u00F0\u00FD\u00FE", "ĞİŞğış" },
        { "ISO_IR 203", "\u00A4\u00A6\u00BC", "€ŠŒ" },
        { "ISO_IR 166", "\u00A1\u00B9", "กน" },
        { "ISO_IR 13", "\u00D4\u00CF\u00C0\u00DE^\u00C0\u00DB\u00B3", "ﾔﾏﾀﾞ^ﾀﾛｳ" },
    };

    [Theory]
    [MemberData(nameof(SingleByteSamples))]
    public void Decode_SingleByteTerm_ReturnsExpectedText(string term, string bytes, string expected)
    {
        Assert.Equal(expected, Cs(term).Decode(B(bytes), DicomVR.PN));
    }

    [Theory]
    [MemberData(nameof(SingleByteSamples))]
    public void Encode_SingleByteTerm_ReturnsOriginalBytes(string term, string bytes, string text)
    {
        Assert.Equal(B(bytes), Cs(term).Encode(text, DicomVR.PN));
    }

    [Theory]
    [MemberData(nameof(SingleByteSamples))]
    public void Decode_Iso2022FormOfSingleByteTerm_UsesTheSameG1Set(string term, string bytes, string expected)
    {
        var iso2022 = term.Replace("ISO_IR ", "ISO 2022 IR ", StringComparison.Ordinal);
        Assert.Equal(expected, Cs(iso2022).Decode(B(bytes), DicomVR.PN));
    }

    [Fact]
    public void Decode_GreekQuotationMarks_FollowGnuLibcLikeDcmtk()
    {
        Assert.Equal("\u2018\u2019\u20AC", Cs("ISO_IR 126").Decode(B("\u00A1\u00A2\u00A4"), DicomVR.LO));
    }

    [Fact]
    public void Decode_HebrewMacron_IsMacronNotOverline()
    {
        Assert.Equal("\u00AF", Cs("ISO_IR 138").Decode(B("\u00AF"), DicomVR.LO));
    }

    [Fact]
    public void Decode_UnassignedSingleBytePosition_ReturnsReplacementCharacter()
    {
        Assert.Equal("a\uFFFDb", Cs("ISO_IR 109").Decode(B("a\u00A5b"), DicomVR.LO));
        Assert.Equal("\uFFFD", Cs("ISO_IR 127").Decode(B("\u00A1"), DicomVR.LO));
    }

    [Fact]
    public void Decode_JisX0201RomajiInLongText_BackslashIsYenAndTildeIsOverline()
    {
        Assert.Equal("x¥y‾", Cs("ISO_IR 13").Decode(B("x\\y~"), DicomVR.LT));
    }

    [Fact]
    public void Decode_JisX0201RomajiInMultiValuedVr_BackslashStaysDelimiter()
    {
        Assert.Equal("ﾔﾏﾀﾞ\\ﾀﾛｳ", Cs("ISO_IR 13").Decode(B("\u00D4\u00CF\u00C0\u00DE\\\u00C0\u00DB\u00B3"), DicomVR.PN));
    }

    [Fact]
    public void Encode_YenSignInPersonNameWithRomaji_Throws()
    {
        Assert.Throws<DicomTextEncodingException>(() => Cs("ISO_IR 13").Encode("¥", DicomVR.PN));
        Assert.Equal(B("\\"), Cs("ISO_IR 13").Encode("¥", DicomVR.LT));
    }

    // ---- default repertoire, UTF-8, VRs outside the specific character set ------------------------------------------

    [Fact]
    public void Decode_DefaultRepertoireWithHighBytes_ReadsIso8859Part1()
    {
        Assert.True(DicomTextEncoding.Default.IsDefault);
        Assert.Equal("Café", DicomTextEncoding.Default.Decode(B("Caf\u00E9"), DicomVR.PN));
        Assert.Same(DicomTextEncoding.Default, Cs());
        Assert.Same(DicomTextEncoding.Default, Cs(""));
        Assert.Same(DicomTextEncoding.Default, Cs("  "));
    }

    [Fact]
    public void Encode_DefaultRepertoireNonAscii_Throws()
    {
        var e = Assert.Throws<DicomTextEncodingException>(() => DicomTextEncoding.Default.Encode("Café", DicomVR.PN));
        Assert.Contains("U+00E9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_VrOutsideSpecificCharacterSet_UsesDefaultRepertoire()
    {
        var utf8 = Cs("ISO_IR 192");
        Assert.Equal("Ã©", utf8.Decode(B("\u00C3\u00A9"), DicomVR.CS));
        Assert.Equal("é", utf8.Decode(B("\u00C3\u00A9"), DicomVR.LO));
        Assert.Throws<DicomTextEncodingException>(() => utf8.Encode("é", DicomVR.CS));
    }

    [Fact]
    public void Decode_InvalidUtf8_ReturnsReplacementCharacter()
    {
        Assert.Equal("a\uFFFDb", Cs("ISO_IR 192").Decode(B("a\u00FFb"), DicomVR.UT));
    }

    [Fact]
    public void Encode_Utf8LoneSurrogate_Throws()
    {
        Assert.Throws<DicomTextEncodingException>(() => Cs("ISO_IR 192").Encode("a\uD800b", DicomVR.UC));
    }

    [Fact]
    public void Decode_EmptyValue_ReturnsEmptyString()
    {
        Assert.Equal(string.Empty, Cs("", "ISO 2022 IR 87").Decode([], DicomVR.PN));
        Assert.Empty(Cs("", "ISO 2022 IR 87").Encode(string.Empty, DicomVR.PN));
    }

    [Fact]
    public void Decode_Gb18030TwoByteCodesOf2005Edition_ReturnsStandardCharacters()
    {
        var gb = Cs("GB18030");
        Assert.Equal("\uFE10ḿ\U00020087", gb.Decode(Hex("A6D9 A8BC FE51"), DicomVR.LT));
        Assert.Equal(Hex("A6D9 A8BC FE51"), gb.Encode("\uFE10ḿ\U00020087", DicomVR.LT));
    }

    // ---- escape sequences and their reset at delimiters (PS3.5 6.1.2.5.3) -------------------------------------------

    [Fact]
    public void Decode_G1DesignationInPersonName_ResetsAtCaretAndEquals()
    {
        var encoding = Cs("", "ISO 2022 IR 149");

        // After '^' nothing is designated into G1 any more, so the bytes read as ISO 8859-1.
        Assert.Equal("홍^±æ", encoding.Decode(B("\e$)C\u00C8\u00AB^\u00B1\u00E6"), DicomVR.PN));
        Assert.Equal("홍=±æ", encoding.Decode(B("\e$)C\u00C8\u00AB=\u00B1\u00E6"), DicomVR.PN));
    }

    [Fact]
    public void Decode_G1DesignationInLongString_ResetsAtBackslashButNotAtCaret()
    {
        var encoding = Cs("ISO 2022 IR 100", "ISO 2022 IR 144");
        Assert.Equal("Л^Л\\»", encoding.Decode(B("\e-L\u00BB^\u00BB\\\u00BB"), DicomVR.LO));
    }

    [Fact]
    public void Decode_G1DesignationInLongText_ResetsAtLineEndsAndTabButNotBackslash()
    {
        var encoding = Cs("ISO 2022 IR 100", "ISO 2022 IR 144");
        Assert.Equal("Л\\Л\r\n»\tx»", encoding.Decode(B("\e-L\u00BB\\\u00BB\r\n\u00BB\tx\u00BB"), DicomVR.LT));
        Assert.Equal("Л\u000C»", encoding.Decode(B("\e-L\u00BB\u000C\u00BB"), DicomVR.ST));
    }

    [Fact]
    public void Decode_G0DesignationOfRomajiInLongString_BackslashIsDelimiterAndResets()
    {
        var encoding = Cs("", "ISO 2022 IR 13");
        Assert.Equal("A‾\\~", encoding.Decode(B("\e(JA~\\~"), DicomVR.LO));
        Assert.Equal("A¥~", encoding.Decode(B("\e(JA\\\e(B~"), DicomVR.LT));
    }

    [Fact]
    public void Decode_CaretInsideDoubleByteG0_IsPartOfCharacterNotDelimiter()
    {
        // "$^" is HIRAGANA MA in JIS X 0208: the 0x5E byte must not end the component.
        Assert.Equal("ま", Cs("", "ISO 2022 IR 87").Decode(B("\e$B$^\e(B"), DicomVR.PN));
    }

    [Fact]
    public void Decode_MissingReturnToAsciiBeforeLineEnd_ResetsAnyway()
    {
        Assert.Equal("山\r\nab", Cs("", "ISO 2022 IR 87").Decode(B("\e$B;3\r\nab"), DicomVR.LT));
    }

    [Fact]
    public void Decode_UnknownEscapeSequence_KeptAsText()
    {
        Assert.Equal("A\u001B$)XB", Cs("", "ISO 2022 IR 149").Decode(B("A\e$)XB"), DicomVR.LO));
    }

    [Fact]
    public void Decode_EscapeWithoutCodeExtensions_KeptAsText()
    {
        Assert.Equal("\u001B-Lx", Cs("ISO_IR 100").Decode(B("\e-Lx"), DicomVR.LO));
    }

    [Fact]
    public void Decode_TruncatedDoubleByteCharacter_ReturnsReplacementCharacter()
    {
        Assert.Equal("\uFFFD", Cs("", "ISO 2022 IR 87").Decode(B("\e$B;"), DicomVR.LO));
        Assert.Equal("\uFFFD", Cs("", "ISO 2022 IR 149").Decode(B("\e$)C\u00C8"), DicomVR.LO));
    }

    [Fact]
    public void Decode_SpaceInsideDoubleByteG0_IsSpace()
    {
        Assert.Equal("山 田", Cs("", "ISO 2022 IR 87").Decode(B("\e$B;3 ED\e(B"), DicomVR.LO));
    }

    [Fact]
    public void Encode_DoubleByteG0_ReturnsToInitialBeforeEachDelimiterAndAtEnd()
    {
        var encoding = Cs("", "ISO 2022 IR 87");
        Assert.Equal(B("\e$B;3\e(B\\\e$BED\e(B"), encoding.Encode("山\\田", DicomVR.LO));
        Assert.Equal(B("\e$B;3\e(B\r\n\e$BED\e(B"), encoding.Encode("山\r\n田", DicomVR.LT));
        Assert.Equal(B("\e$B;3\e(B \e$BED\e(B"), encoding.Encode("山 田", DicomVR.LO));
    }

    [Fact]
    public void Encode_G1SwitchedAwayFromInitial_RestoresInitialG1BeforeDelimiter()
    {
        var encoding = Cs("ISO 2022 IR 100", "ISO 2022 IR 144");
        Assert.Equal(B("\u00E9\e-L\u00BB\e-A^\u00E9"), encoding.Encode("éЛ^é", DicomVR.PN));
        Assert.Equal("éЛ^é", encoding.Decode(B("\u00E9\e-L\u00BB\e-A^\u00E9"), DicomVR.PN));
    }

    [Fact]
    public void Encode_CharacterOutsideDeclaredSets_Throws()
    {
        var e = Assert.Throws<DicomTextEncodingException>(() => Cs("", "ISO 2022 IR 87").Encode("홍", DicomVR.PN));
        Assert.Contains("U+D64D", e.Message, StringComparison.Ordinal);
        Assert.Throws<DicomTextEncodingException>(() => Cs("ISO_IR 100").Encode("Ω", DicomVR.LO));
        Assert.Throws<DicomTextEncodingException>(() => Cs("GBK").Encode("\U0001F600", DicomVR.LO));
    }

    [Fact]
    public void Encode_EscapeCharacterWithCodeExtensions_Throws()
    {
        Assert.Throws<DicomTextEncodingException>(() => Cs("", "ISO 2022 IR 87").Encode("a\u001Bb", DicomVR.LT));
    }

    // ---- round trips ------------------------------------------------------------------------------------------------

    public static TheoryData<string[], string> RoundTripSamples => new()
    {
        { [], "Smith^John\\Doe^Jane" },
        { ["ISO_IR 100"], "Müller^Jérôme\\Ærø" },
        { ["ISO_IR 101"], "Dvořák^Łukasz" },
        { ["ISO_IR 109"], "Ħal Għargħur" },
        { ["ISO_IR 110"], "Ģirts^Ņina" },
        { ["ISO_IR 144"], "Достоевский^Фёдор" },
        { ["ISO_IR 127"], "قباني^نزار" },
        { ["ISO_IR 126"], "Διονύσιος^Σολωμός" },
        { ["ISO_IR 138"], "שרון^דבורה" },
        { ["ISO_IR 148"], "Işıl^Güneş" },
        { ["ISO_IR 203"], "Œuvre € Šárka" },
        { ["ISO_IR 166"], "สมชาย^ใจดี" },
        { ["ISO_IR 13"], "ﾔﾏﾀﾞ^ﾀﾛｳ" },
        { ["ISO_IR 192"], "Wang^XiaoDong=王^小東=\\Ünïcødé 😀" },
        { ["GB18030"], "Wang^XiaoDong=王^小东=\\€ 😀" },
        { ["GBK"], "Wang^XiaoDong=王^小东=" },
        { ["", "ISO 2022 IR 87"], H31Text },
        { ["ISO 2022 IR 13", "ISO 2022 IR 87"], H32Text },
        { ["", "ISO 2022 IR 87", "ISO 2022 IR 159"], "Kanji^山丂=やまだ^たろう" },
        { ["", "ISO 2022 IR 149"], I2Text },
        { ["", "ISO 2022 IR 58"], "Zhang^XiaoDong=张^小东=" },
        { ["ISO 2022 IR 100", "ISO 2022 IR 126", "ISO 2022 IR 144"], "Müller=Διονύσιος=Достоевский\\é" },
        { ["", "ISO 2022 IR 13", "ISO 2022 IR 87", "ISO 2022 IR 149", "ISO 2022 IR 58"], "ﾔﾏﾀﾞ 山田 홍길동 张小东 A" },
        { ["", "ISO 2022 IR 166", "ISO 2022 IR 100"], "ไทย^é" },
    };

    [Theory]
    [MemberData(nameof(RoundTripSamples))]
    public void EncodeDecode_PersonNameSample_RoundTrips(string[] terms, string text)
    {
        var encoding = Cs(terms);
        Assert.Equal(text, encoding.Decode(encoding.Encode(text, DicomVR.PN), DicomVR.PN));
    }

    [Theory]
    [MemberData(nameof(RoundTripSamples))]
    public void EncodeDecode_LongTextSample_RoundTrips(string[] terms, string text)
    {
        var encoding = Cs(terms);
        var multiLine = text + "\r\n" + text + "\t.";
        Assert.Equal(multiLine, encoding.Decode(encoding.Encode(multiLine, DicomVR.LT), DicomVR.LT));
    }

    public static TheoryData<string, string> DoubleByteSets => new()
    {
        { "ISO 2022 IR 87", "JIS X 0208" },
        { "ISO 2022 IR 159", "JIS X 0212" },
        { "ISO 2022 IR 149", "KS X 1001" },
        { "ISO 2022 IR 58", "GB 2312" },
    };

    [Theory]
    [MemberData(nameof(DoubleByteSets))]
    public void EncodeDecode_EveryCharacterOfDoubleByteSet_RoundTrips(string term, string name)
    {
        var set = term switch
        {
            "ISO 2022 IR 87" => DicomGraphicCharacterSet.JisX0208,
            "ISO 2022 IR 159" => DicomGraphicCharacterSet.JisX0212,
            "ISO 2022 IR 149" => DicomGraphicCharacterSet.KsX1001,
            _ => DicomGraphicCharacterSet.Gb2312,
        };
        var all = new string(set.Table.Where(c => c != '\uFFFD').ToArray());
        Assert.True(all.Length > 6000, $"{name} has only {all.Length} characters");
        var encoding = Cs("", term);
        var bytes = encoding.Encode(all, DicomVR.UT);
        Assert.Equal(all, encoding.Decode(bytes, DicomVR.UT));
    }

    [Fact]
    public void Table_JisX0212_Has6067AssignedCharacters()
    {
        Assert.Equal(6067, DicomGraphicCharacterSet.JisX0212.Table.Count(c => c != '\uFFFD'));
    }

    [Fact]
    public void Table_JisX0208_Has6879AssignedCharactersAndNoDefaultRepertoire()
    {
        var table = DicomGraphicCharacterSet.JisX0208.Table;
        Assert.Equal(6879, table.Count(c => c != '\uFFFD'));
        Assert.DoesNotContain(table, c => c < 0x80);
    }

    [Theory]
    [InlineData("ISO-IR 100", 96)]
    [InlineData("ISO-IR 101", 96)]
    [InlineData("ISO-IR 109", 89)]
    [InlineData("ISO-IR 110", 96)]
    [InlineData("ISO-IR 144", 96)]
    [InlineData("ISO-IR 127", 51)]
    [InlineData("ISO-IR 126", 93)]
    [InlineData("ISO-IR 138", 60)]
    [InlineData("ISO-IR 148", 96)]
    [InlineData("ISO-IR 203", 96)]
    [InlineData("ISO-IR 166", 88)]
    [InlineData("ISO-IR 13", 63)]
    [InlineData("ISO-IR 149", 8227)]
    [InlineData("ISO-IR 58", 7445)]
    public void Table_AssignedPositions_SameCountAsGnuIconv(string registration, int assigned)
    {
        // Counts of GNU iconv (the converter DCMTK uses here); the DCMTK peer test checks that every position we assign
        // decodes as DCMTK does, so equal counts mean equal tables. TIS-620: we also assign 0xA0 (NBSP) as ISO 8859-11 does.
        var set = new[]
        {
            DicomGraphicCharacterSet.Latin1, DicomGraphicCharacterSet.Latin2, DicomGraphicCharacterSet.Latin3,
            DicomGraphicCharacterSet.Latin4, DicomGraphicCharacterSet.Cyrillic, DicomGraphicCharacterSet.Arabic,
            DicomGraphicCharacterSet.Greek, DicomGraphicCharacterSet.Hebrew, DicomGraphicCharacterSet.Latin5,
            DicomGraphicCharacterSet.Latin9, DicomGraphicCharacterSet.Thai, DicomGraphicCharacterSet.JisKatakana,
            DicomGraphicCharacterSet.KsX1001, DicomGraphicCharacterSet.Gb2312,
        }.Single(s => s.Name == registration);
        Assert.Equal(assigned, set.Table.Count(c => c != '\uFFFD'));
    }

    // ---- allocation: the common cases allocate only the result string -----------------------------------------------

    public static TheoryData<string, string> CommonCaseValues => new()
    {
        { "", "Smith^John^^Dr\\Doe^Jane " },
        { "ISO_IR 100", "M\u00FCller^J\u00E9r\u00F4me" },
        { "ISO_IR 192", "W\u00C3\u00BCller^Wang" },
        { "\\ISO 2022 IR 87", "Smith^John^^Dr\\Doe^Jane " },
        { "ISO_IR 144", "\u00BB\u00EE\u00DAce\u00DC\u00D1yp\u00D3" },
    };

    [Theory]
    [MemberData(nameof(CommonCaseValues))]
    public void Decode_CommonCase_AllocatesOnlyTheResultString(string specificCharacterSet, string oneCharPerByte)
    {
        var encoding = Cs(specificCharacterSet.Split('\\'));
        var bytes = B(oneCharPerByte);
        var expected = encoding.Decode(bytes, DicomVR.PN);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var text = encoding.Decode(bytes, DicomVR.PN);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected, text);
        Assert.True(allocated <= 32 + (2 * text.Length), $"{allocated} bytes allocated for a {text.Length}-character result");
    }

    // ---- terms: unknown, misspelt, misplaced, cached -----------------------------------------------------------------

    [Fact]
    public void FromSpecificCharacterSet_UnknownTerm_FallsBackToDefaultWithWarning()
    {
        var warnings = new List<string>();
        var encoding = DicomTextEncoding.FromSpecificCharacterSet(["ISO_IR 999"], warnings);
        Assert.True(encoding.IsDefault);
        Assert.Equal(["ISO_IR 999"], encoding.Terms);
        var warning = Assert.Single(warnings);
        Assert.Contains("'ISO_IR 999' is not supported", warning, StringComparison.Ordinal);
        Assert.Equal("Café", encoding.Decode(B("Caf\u00E9"), DicomVR.PN));
    }

    [Fact]
    public void FromSpecificCharacterSet_Iso646Ir6_TreatedAsDefaultWithWarning()
    {
        var warnings = new List<string>();
        var encoding = DicomTextEncoding.FromSpecificCharacterSet(["ISO_IR 6"], warnings);
        Assert.True(encoding.IsDefault);
        Assert.Contains("not a Defined Term", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("iso_ir 100", "ISO_IR 100")]
    [InlineData("ISO IR 100", "ISO_IR 100")]
    [InlineData("ISO-IR 100", "ISO_IR 100")]
    [InlineData("ISO_IR100", "ISO_IR 100")]
    [InlineData("UTF-8", "ISO_IR 192")]
    public void FromSpecificCharacterSet_MisspeltTerm_ReadAsDefinedTermWithWarning(string term, string assumed)
    {
        var warnings = new List<string>();
        var encoding = DicomTextEncoding.FromSpecificCharacterSet([term], warnings);
        Assert.False(encoding.IsDefault);
        Assert.Contains($"assuming '{assumed}'", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.Equal("é", encoding.Decode(assumed == "ISO_IR 192" ? B("\u00C3\u00A9") : B("\u00E9"), DicomVR.LO));
    }

    [Fact]
    public void FromSpecificCharacterSet_PaddedTerm_TrimmedWithoutWarning()
    {
        var warnings = new List<string>();
        var encoding = DicomTextEncoding.FromSpecificCharacterSet([" ISO_IR 100 "], warnings);
        Assert.Empty(warnings);
        Assert.Equal(["ISO_IR 100"], encoding.Terms);
    }

    [Fact]
    public void FromSpecificCharacterSet_KoreanWithoutIso2022Prefix_ReadAsCodeExtension()
    {
        var warnings = new List<string>();
        var encoding = DicomTextEncoding.FromSpecificCharacterSet(["ISO_IR 149"], warnings);
        Assert.Single(warnings);
        Assert.Equal("홍", encoding.Decode(B("\u00C8\u00AB"), DicomVR.PN));
    }

    [Fact]
    public void FromSpecificCharacterSet_UnknownSecondValue_DroppedWithWarning()
    {
        var warnings = new List<string>();
        var encoding = DicomTextEncoding.FromSpecificCharacterSet(["", "ISO 2022 IR 999", "ISO 2022 IR 87"], warnings);
        Assert.Contains("value 2 of 3 'ISO 2022 IR 999' is not supported", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.Equal(H31Text, encoding.Decode(H31Bytes, DicomVR.PN));
    }

    [Fact]
    public void FromSpecificCharacterSet_NonIso2022TermWithCodeExtensions_ReadAsIso2022FormWithWarning()
    {
        var warnings = new List<string>();
        var encoding = DicomTextEncoding.FromSpecificCharacterSet(["ISO_IR 100", "ISO 2022 IR 144"], warnings);
        Assert.Contains("assuming 'ISO 2022 IR 100'", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.Equal("éЛ", encoding.Decode(B("\u00E9\e-L\u00BB"), DicomVR.LO));
    }

    [Fact]
    public void FromSpecificCharacterSet_Utf8WithOtherValues_UsesUtf8AloneWithWarning()
    {
        var warnings = new List<string>();
        var encoding = DicomTextEncoding.FromSpecificCharacterSet(["ISO_IR 192", "ISO 2022 IR 100"], warnings);
        Assert.Single(warnings);
        Assert.Equal("é", encoding.Decode(B("\u00C3\u00A9"), DicomVR.LO));
    }

    [Fact]
    public void FromSpecificCharacterSet_MultiByteG0AsValue1_KeepsAsciiInitialAndDecodesEscapes()
    {
        var encoding = Cs("ISO 2022 IR 87");
        Assert.Equal(H31Text, encoding.Decode(H31Bytes, DicomVR.PN));
        Assert.Equal(H31Bytes, encoding.Encode(H31Text, DicomVR.PN));
    }

    [Fact]
    public void FromSpecificCharacterSet_SameTermsTwice_ReturnsCachedInstanceAndRepeatsWarnings()
    {
        var first = new List<string>();
        var second = new List<string>();
        var a = DicomTextEncoding.FromSpecificCharacterSet(["ISO_IR 100", "ISO 2022 IR 126"], first);
        var b = DicomTextEncoding.FromSpecificCharacterSet(["ISO_IR 100", "ISO 2022 IR 126"], second);
        Assert.Same(a, b);
        Assert.Equal(first, second);
        Assert.Single(first);
    }

    [Fact]
    public void FromSpecificCharacterSet_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => DicomTextEncoding.FromSpecificCharacterSet(null!));
    }
}
