using System.Numerics;
using System.Text.RegularExpressions;
using PlaoImaging.Dicom;
using Xunit;

namespace PlaoImaging.Dicom.Tests.Core;

/// <summary>The 2.25 UID generator (PS3.5 B.2) and the UID syntax check (PS3.5 9.1).</summary>
[Trait("Category", "unit")]
public partial class DicomUidGeneratorTests
{
    private const int Count = 100_000;

    /// <summary>PS3.5 9.1 written independently of the library: components of digits without leading zeros, dot-separated.</summary>
    [GeneratedRegex(@"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")]
    private static partial Regex UidSyntax();

    [Fact]
    public void NewUid_100kCalls_AllDistinct()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Count; i++)
        {
            Assert.True(seen.Add(DicomUidGenerator.NewUid()), $"duplicate after {i} UIDs");
        }
    }

    [Fact]
    public void NewUid_100kCalls_AllValidPs35AndVersion4Uuids()
    {
        var max = BigInteger.Pow(2, 128);
        for (int i = 0; i < Count; i++)
        {
            var uid = DicomUidGenerator.NewUid();
            Assert.True(uid.Length <= 64, uid);
            Assert.Matches(UidSyntax(), uid);
            Assert.StartsWith("2.25.", uid, StringComparison.Ordinal);
            Assert.True(DicomUidGenerator.IsValid(uid), uid);

            // The integer is a UUID: below 2^128, RFC 4122 variant, version 4 (random).
            var value = BigInteger.Parse(uid.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(value < max, uid);
            var bytes = new byte[16];
            value.TryWriteBytes(bytes.AsSpan(16 - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
            Assert.Equal(0x40, bytes[6] & 0xF0);
            Assert.Equal(0x80, bytes[8] & 0xC0);
        }
    }

    [Fact]
    public void FromUuid_Ps35AnnexBExample_GivesTheStandardsUid() =>
        Assert.Equal("2.25.329800735698586629295641978511506172918",
            DicomUidGenerator.FromUuid(Guid.Parse("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")));

    [Fact]
    public void FromUuid_SmallAndLargestUuids_AreValidWithoutLeadingZeros()
    {
        Assert.Equal("2.25.0", DicomUidGenerator.FromUuid(Guid.Empty));
        Assert.Equal("2.25.1", DicomUidGenerator.FromUuid(Guid.Parse("00000000-0000-0000-0000-000000000001")));
        var largest = DicomUidGenerator.FromUuid(Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff"));
        Assert.Equal("2.25." + (BigInteger.Pow(2, 128) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), largest);
        Assert.True(largest.Length <= 64);
        Assert.True(DicomUidGenerator.IsValid(largest));
    }

    [Fact]
    public void FromName_SameName_SameUidAndDifferentNamesDiffer()
    {
        Assert.Equal(DicomUidGenerator.FromName("study-1"), DicomUidGenerator.FromName("study-1"));
        Assert.NotEqual(DicomUidGenerator.FromName("study-1"), DicomUidGenerator.FromName("study-2"));
        var names = Enumerable.Range(0, 10_000).Select(i => DicomUidGenerator.FromName("name-" + i)).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, uid => Assert.Matches(UidSyntax(), uid));
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.1", true)]
    [InlineData("0", true)]
    [InlineData("1.0.2", true)]
    [InlineData("1.02", false)]
    [InlineData("", false)]
    [InlineData("1..2", false)]
    [InlineData(".1.2", false)]
    [InlineData("1.2.", false)]
    [InlineData("1.2.a", false)]
    [InlineData("1.2.3 ", false)]
    [InlineData("1.2.3\0", false)]
    public void IsValid_Ps35Rules_Hold(string uid, bool valid) => Assert.Equal(valid, DicomUidGenerator.IsValid(uid));

    [Fact]
    public void IsValid_LengthLimit_Is64Characters()
    {
        var at64 = "1." + new string('2', 62);
        Assert.True(DicomUidGenerator.IsValid(at64));
        Assert.False(DicomUidGenerator.IsValid(at64 + "2"));
    }
}
